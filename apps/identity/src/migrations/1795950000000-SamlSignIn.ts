import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * SAML 2.0 sign-in per organization: its configuration (IdP metadata, attributes, group → team
 * mappings, enabled), the AuthnRequests awaiting an answer and the assertions already used. The
 * last two are shared by every replica (a response may reach any of them) and swept when expired.
 * Runs on SQLite and MySQL/MariaDB.
 */
export class SamlSignIn1795950000000 implements MigrationInterface {
  name = 'SamlSignIn1795950000000';

  async up(runner: QueryRunner): Promise<void> {
    const millis = { type: 'bigint' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4' } : { type: 'varchar', length: String(length) });
    // Metadata may be up to 1 MiB and mappings many; MySQL's TEXT stops at 64 KiB.
    const longText = { type: columnTypes.longText(runner), ...columnTypes.utf8(runner) };
    await runner.createTable(
      new Table({
        name: 'saml_configurations',
        columns: [
          { name: 'org_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'idp_metadata_xml', ...longText },
          { name: 'idp_entity_id', ...text(1024) },
          // Attribute names compare exactly, as SAML does.
          { name: 'groups_attribute', ...columnTypes.name(runner, 255) },
          { name: 'username_attribute', ...columnTypes.name(runner, 255), isNullable: true },
          { name: 'team_mappings', ...longText },
          { name: 'enabled', type: 'boolean' },
          { name: 'updated_at', ...millis },
          { name: 'updated_by', ...columnTypes.name(runner, 64) },
        ],
        foreignKeys: [{ name: 'fk_saml_configurations_org', columnNames: ['org_id'], referencedTableName: 'organizations', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'saml_requests',
        columns: [
          // Our own IDs (`_` and 40 hex digits); exact comparison.
          { name: 'request_id', ...columnTypes.name(runner, 64), isPrimary: true },
          { name: 'sp_entity_id', ...columnTypes.name(runner, 512) },
          { name: 'expires_at', ...millis },
        ],
      }),
    );
    await runner.createIndex('saml_requests', new TableIndex({ name: 'ix_saml_requests_expires', columnNames: ['expires_at'] }));
    await runner.createTable(
      new Table({
        name: 'saml_consumed_assertions',
        columns: [
          // SHA-256 hex of (IdP entity ID, assertion ID): both are unbounded strings, a key must not be.
          { name: 'assertion_key', ...(isMysql(runner) ? { type: 'char', length: '64' } : { type: 'varchar', length: '64' }), isPrimary: true },
          { name: 'expires_at', ...millis },
        ],
      }),
    );
    await runner.createIndex('saml_consumed_assertions', new TableIndex({ name: 'ix_saml_consumed_assertions_expires', columnNames: ['expires_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('saml_consumed_assertions');
    await runner.dropTable('saml_requests');
    await runner.dropTable('saml_configurations');
  }
}
