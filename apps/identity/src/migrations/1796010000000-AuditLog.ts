import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes, isMysql } from '@stackyard/shared-db';

/**
 * The audit log: one append-only, hash-chained table (each row's `hash` covers its sequence, the
 * previous row's hash and its fields) and a one-row chain head that writers lock to take the next
 * sequence, so several identity replicas extend one chain. Runs on SQLite and MySQL/MariaDB.
 */
export class AuditLog1796010000000 implements MigrationInterface {
  name = 'AuditLog1796010000000';

  async up(runner: QueryRunner): Promise<void> {
    const sha256Hex = isMysql(runner) ? { type: 'char', length: '64' } : { type: 'varchar', length: '64' };
    const text = (length: number) => (isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4', collation: 'utf8mb4_bin' } : { type: 'varchar', length: String(length) });
    await runner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          // Assigned under the chain-head lock, not by the engine: a gap must mean a deleted row.
          { name: 'sequence', type: 'bigint', isPrimary: true },
          { name: 'timestamp', type: 'bigint' },
          { name: 'organization', ...columnTypes.name(runner, 64), isNullable: true },
          { name: 'event', ...columnTypes.name(runner, 64) },
          { name: 'description', type: columnTypes.longText(runner), ...columnTypes.utf8(runner) },
          { name: 'source_ip', ...text(64) },
          { name: 'user_login', ...columnTypes.name(runner, 64), isNullable: true },
          { name: 'token_id', ...text(64), isNullable: true },
          { name: 'token_name', ...text(255), isNullable: true },
          { name: 'actor_name', ...text(255) },
          { name: 'actor_urn', ...text(512) },
          { name: 'req_org_admin', type: 'boolean' },
          { name: 'req_stack_admin', type: 'boolean' },
          { name: 'auth_failure', type: 'boolean' },
          { name: 'request_id', ...text(128), isNullable: true },
          { name: 'prev_hash', ...sha256Hex },
          { name: 'hash', ...sha256Hex },
        ],
      }),
    );
    // Queries read one organization newest first, optionally by time, user or event.
    await runner.createIndex('audit_log', new TableIndex({ name: 'ix_audit_log_org_sequence', columnNames: ['organization', 'sequence'] }));
    await runner.createIndex('audit_log', new TableIndex({ name: 'ix_audit_log_org_timestamp', columnNames: ['organization', 'timestamp'] }));
    await runner.createTable(
      new Table({
        name: 'audit_chain_head',
        columns: [
          { name: 'id', type: 'int', isPrimary: true },
          { name: 'last_sequence', type: 'bigint' },
          { name: 'last_hash', ...sha256Hex },
        ],
      }),
    );
    await runner.query('INSERT INTO audit_chain_head (id, last_sequence, last_hash) VALUES (1, 0, ?)', ['0'.repeat(64)]);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('audit_chain_head');
    await runner.dropTable('audit_log');
  }
}
