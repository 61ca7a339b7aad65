import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * Sign-in through identity providers: who a provider's person is (user_identities), teams and
 * their members (by source, so group sync never undoes manual grants), console sessions, the
 * password sign-in throttle, and a description on access tokens. Runs on SQLite and MySQL.
 */
export class SignInSessionsTeams1795900000000 implements MigrationInterface {
  name = 'SignInSessionsTeams1795900000000';

  async up(runner: QueryRunner): Promise<void> {
    const id = { type: 'varchar', length: '36' };
    const millis = { type: 'bigint' };
    const sha256Hex = isMysql(runner) ? { type: 'char', length: '64' } : { type: 'varchar', length: '64' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4' } : { type: 'varchar', length: String(length) });
    await runner.addColumn('access_tokens', new TableColumn({ name: 'description', ...text(255), default: "''" }));
    await runner.createTable(
      new Table({
        name: 'user_identities',
        columns: [
          { name: 'provider', ...columnTypes.name(runner, 64), isPrimary: true },
          // Subjects compare exactly (binary collation): `Alice` and `alice` are different people to an IdP.
          { name: 'subject', ...columnTypes.name(runner, 255), isPrimary: true },
          { name: 'user_id', ...id },
          { name: 'username', ...text(255) },
          { name: 'created_at', ...millis },
          { name: 'last_sign_in_at', ...millis },
        ],
        foreignKeys: [{ name: 'fk_user_identities_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createIndex('user_identities', new TableIndex({ name: 'ix_user_identities_user', columnNames: ['user_id'] }));
    await runner.createTable(
      new Table({
        name: 'teams',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'name', ...columnTypes.name(runner, 64) },
          { name: 'created_at', ...millis },
        ],
        uniques: [{ name: 'uq_teams_org_name', columnNames: ['org_id', 'name'] }],
        foreignKeys: [{ name: 'fk_teams_org', columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'team_members',
        columns: [
          { name: 'team_id', ...id, isPrimary: true },
          { name: 'user_id', ...id, isPrimary: true },
          { name: 'source', ...columnTypes.name(runner, 64), isPrimary: true },
          { name: 'created_at', ...millis },
        ],
        foreignKeys: [
          { name: 'fk_team_members_team', columnNames: ['team_id'], referencedTableName: 'teams', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { name: 'fk_team_members_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    // Sign-in syncs and the principal read a user's memberships; the primary key leads with team_id.
    await runner.createIndex('team_members', new TableIndex({ name: 'ix_team_members_user', columnNames: ['user_id', 'source'] }));
    await runner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { name: 'token_hash', ...sha256Hex, isPrimary: true },
          { name: 'user_id', ...id },
          { name: 'provider', ...columnTypes.name(runner, 64) },
          { name: 'created_at', ...millis },
          { name: 'last_seen_at', ...millis },
          { name: 'idle_timeout_ms', ...millis },
          { name: 'expires_at', ...millis },
          { name: 'revoked_at', ...millis, isNullable: true },
          { name: 'source_ip', type: 'varchar', length: '64' },
          { name: 'user_agent', ...text(255) },
        ],
        foreignKeys: [{ name: 'fk_sessions_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createIndex('sessions', new TableIndex({ name: 'ix_sessions_user', columnNames: ['user_id'] }));
    await runner.createIndex('sessions', new TableIndex({ name: 'ix_sessions_expires', columnNames: ['expires_at'] }));
    await runner.createTable(
      new Table({
        name: 'sign_in_throttle',
        columns: [
          { name: 'throttle_key', ...columnTypes.name(runner, 255), isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'window_started_at', ...millis },
          { name: 'locked_until', ...millis, isNullable: true },
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('sign_in_throttle');
    await runner.dropTable('sessions');
    await runner.dropTable('team_members');
    await runner.dropTable('teams');
    await runner.dropTable('user_identities');
    await runner.dropColumn('access_tokens', 'description');
  }
}
