import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * Machine identity: organization and team access tokens (no person behind them, so `user_id`
 * becomes nullable; `team_id`, `admin`, `created_by`), token names unique per scope including
 * revoked ones (`name_scope`: `user:<id>` or `org:<id>`, shared by an organization's organization
 * and team tokens), and the OIDC issuers organizations trust for token exchange with their
 * authorization policies. Runs on SQLite and MySQL/MariaDB.
 */
export class MachineIdentity1795960000000 implements MigrationInterface {
  name = 'MachineIdentity1795960000000';

  async up(runner: QueryRunner): Promise<void> {
    const id = { type: 'varchar', length: '36' };
    const millis = { type: 'bigint' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4' } : { type: 'varchar', length: String(length) });
    await runner.changeColumn('access_tokens', 'user_id', new TableColumn({ name: 'user_id', ...id, isNullable: true }));
    await runner.addColumns('access_tokens', [
      new TableColumn({ name: 'team_id', ...id, isNullable: true }),
      new TableColumn({ name: 'name_scope', ...columnTypes.name(runner, 48), default: "''" }),
      new TableColumn({ name: 'admin', type: 'boolean', default: '0' }),
      new TableColumn({ name: 'created_by', ...columnTypes.name(runner, 64), isNullable: true }),
    ]);
    await runner.createForeignKey(
      'access_tokens',
      new TableForeignKey({ name: 'fk_access_tokens_team', columnNames: ['team_id'], referencedTableName: 'teams', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    // Every token so far is personal (and has a user); the CASE keeps the rule in one statement anyway.
    const concat = (prefix: string, column: string) => (isMysql(runner) ? `CONCAT('${prefix}', ${column})` : `'${prefix}' || ${column}`);
    await runner.query(`UPDATE access_tokens SET name_scope = CASE WHEN kind = 'personal' THEN ${concat('user:', 'user_id')} ELSE ${concat('org:', 'org_id')} END`);
    // Revoked tokens keep their name: one name is one token in an audit trail, in every scope.
    await runner.createIndex('access_tokens', new TableIndex({ name: 'uq_access_tokens_scope_name', columnNames: ['name_scope', 'name'], isUnique: true }));
    // Listing an organization's (or team's) tokens.
    await runner.createIndex('access_tokens', new TableIndex({ name: 'ix_access_tokens_org', columnNames: ['org_id', 'kind'] }));

    await runner.createTable(
      new Table({
        name: 'oidc_issuers',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'name', ...text(100) },
          // Compared exactly with a JWT's `iss`, so binary collation on MySQL.
          { name: 'url', ...columnTypes.name(runner, 512) },
          { name: 'jwks', type: columnTypes.longText(runner), ...columnTypes.utf8(runner), isNullable: true },
          { name: 'max_expiration_seconds', type: 'integer', isNullable: true },
          { name: 'created_at', ...millis },
          { name: 'modified_at', ...millis },
          { name: 'last_used_at', ...millis, isNullable: true },
        ],
        uniques: [{ name: 'uq_oidc_issuers_org_url', columnNames: ['org_id', 'url'] }],
        foreignKeys: [{ name: 'fk_oidc_issuers_org', columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'oidc_auth_policies',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'issuer_id', ...id },
          { name: 'org_id', ...id },
          { name: 'version', type: 'integer' },
          { name: 'policies', type: columnTypes.longText(runner), ...columnTypes.utf8(runner) },
          { name: 'created_at', ...millis },
          { name: 'modified_at', ...millis },
        ],
        uniques: [{ name: 'uq_oidc_auth_policies_issuer', columnNames: ['issuer_id'] }],
        foreignKeys: [
          { name: 'fk_oidc_auth_policies_issuer', columnNames: ['issuer_id'], referencedTableName: 'oidc_issuers', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { name: 'fk_oidc_auth_policies_org', columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('oidc_auth_policies');
    await runner.dropTable('oidc_issuers');
    // Tokens without a person cannot survive the old schema.
    await runner.query("DELETE FROM access_tokens WHERE kind <> 'personal' OR user_id IS NULL");
    await runner.dropIndex('access_tokens', 'ix_access_tokens_org');
    await runner.dropIndex('access_tokens', 'uq_access_tokens_scope_name');
    await runner.dropForeignKey('access_tokens', 'fk_access_tokens_team');
    await runner.dropColumns('access_tokens', ['created_by', 'admin', 'name_scope', 'team_id']);
    await runner.changeColumn('access_tokens', 'user_id', new TableColumn({ name: 'user_id', type: 'varchar', length: '36' }));
  }
}
