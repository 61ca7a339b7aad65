import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * SCIM 2.0 provisioning per organization: its bearer tokens (SHA-256 only), the users its IdP
 * provisioned (what SCIM says beyond the users table) and its groups (each one a team, whose
 * members are team_members rows of source `scim:<org>`). Runs on SQLite and MySQL/MariaDB.
 */
export class ScimProvisioning1795980000000 implements MigrationInterface {
  name = 'ScimProvisioning1795980000000';

  async up(runner: QueryRunner): Promise<void> {
    const id = { type: 'varchar', length: '36' };
    const millis = { type: 'bigint' };
    const sha256Hex = isMysql(runner) ? { type: 'char', length: '64' } : { type: 'varchar', length: '64' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4' } : { type: 'varchar', length: String(length) });
    const org = (table: string) => ({ name: `fk_${table}_org`, columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    await runner.createTable(
      new Table({
        name: 'scim_tokens',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'token_hash', ...sha256Hex },
          { name: 'created_at', ...millis },
          { name: 'created_by', ...columnTypes.name(runner, 64) },
          { name: 'last_used_at', ...millis, isNullable: true },
          { name: 'revoked_at', ...millis, isNullable: true },
        ],
        uniques: [{ name: 'uq_scim_tokens_hash', columnNames: ['token_hash'] }],
        foreignKeys: [org('scim_tokens')],
      }),
    );
    await runner.createIndex('scim_tokens', new TableIndex({ name: 'ix_scim_tokens_org', columnNames: ['org_id'] }));
    await runner.createTable(
      new Table({
        name: 'scim_users',
        columns: [
          { name: 'org_id', ...id, isPrimary: true },
          { name: 'user_id', ...id, isPrimary: true },
          // Exact, as the SAML subject it equals; the key is its lowercase form, unique per organization.
          { name: 'user_name', ...columnTypes.name(runner, 255) },
          { name: 'user_name_key', ...columnTypes.name(runner, 255) },
          // externalId is caseExact (RFC 7643 §3.1).
          { name: 'external_id', ...columnTypes.name(runner, 255), isNullable: true },
          { name: 'display_name', ...text(255), isNullable: true },
          { name: 'given_name', ...text(255), isNullable: true },
          { name: 'family_name', ...text(255), isNullable: true },
          { name: 'formatted_name', ...text(255), isNullable: true },
          { name: 'emails', type: columnTypes.longText(runner), ...columnTypes.utf8(runner) },
          { name: 'active', type: 'boolean', isNullable: true },
          { name: 'created_at', ...millis },
          { name: 'updated_at', ...millis },
        ],
        uniques: [{ name: 'uq_scim_users_org_user_name', columnNames: ['org_id', 'user_name_key'] }],
        foreignKeys: [
          org('scim_users'),
          { name: 'fk_scim_users_user', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    // Lists page in creation order; Entra ID and Okta also look users up by externalId; sign-in by user.
    await runner.createIndex('scim_users', new TableIndex({ name: 'ix_scim_users_org_created', columnNames: ['org_id', 'created_at'] }));
    await runner.createIndex('scim_users', new TableIndex({ name: 'ix_scim_users_org_external', columnNames: ['org_id', 'external_id'] }));
    await runner.createIndex('scim_users', new TableIndex({ name: 'ix_scim_users_user', columnNames: ['user_id'] }));
    await runner.createTable(
      new Table({
        name: 'scim_groups',
        columns: [
          { name: 'team_id', ...id, isPrimary: true },
          { name: 'org_id', ...id },
          { name: 'display_name', ...text(255) },
          { name: 'display_name_key', ...columnTypes.name(runner, 255) },
          { name: 'external_id', ...columnTypes.name(runner, 255), isNullable: true },
          { name: 'created_at', ...millis },
          { name: 'updated_at', ...millis },
        ],
        uniques: [{ name: 'uq_scim_groups_org_display_name', columnNames: ['org_id', 'display_name_key'] }],
        foreignKeys: [
          org('scim_groups'),
          { name: 'fk_scim_groups_team', columnNames: ['team_id'], referencedTableName: 'teams', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await runner.createIndex('scim_groups', new TableIndex({ name: 'ix_scim_groups_org_created', columnNames: ['org_id', 'created_at'] }));
    await runner.createIndex('scim_groups', new TableIndex({ name: 'ix_scim_groups_org_external', columnNames: ['org_id', 'external_id'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('scim_groups');
    await runner.dropTable('scim_users');
    await runner.dropTable('scim_tokens');
  }
}
