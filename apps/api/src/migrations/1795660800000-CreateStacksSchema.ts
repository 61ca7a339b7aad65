import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes } from '@stackyard/shared-db';

/** The api's first schema: stacks, updates, engine events and per-version checkpoints. */
export class CreateStacksSchema1795660800000 implements MigrationInterface {
  name = 'CreateStacksSchema1795660800000';

  async up(runner: QueryRunner): Promise<void> {
    const longText = columnTypes.longText(runner);
    const id = { type: 'varchar', length: '36' };
    const millis = { type: 'bigint' };
    const utf8 = columnTypes.utf8(runner);
    await runner.createTable(
      new Table({
        name: 'stacks',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'org_name', ...columnTypes.name(runner, 40) },
          { name: 'project_name', ...columnTypes.name(runner, 100) },
          { name: 'stack_name', ...columnTypes.name(runner, 100) },
          { name: 'tags', type: longText, ...utf8 },
          { name: 'version', type: 'int' },
          { name: 'head_version', type: 'int', isNullable: true },
          { name: 'resource_count', type: 'int' },
          { name: 'active_update_id', ...id, isNullable: true },
          { name: 'lease_expires_at', ...millis, isNullable: true },
          { name: 'current_operation', type: 'text', isNullable: true, ...utf8 },
          { name: 'latest_update_id', ...id, isNullable: true },
          { name: 'last_update_at', ...millis, isNullable: true },
          { name: 'created_by', type: 'varchar', length: '100', ...utf8 },
          { name: 'created_at', ...millis },
          { name: 'updated_at', ...millis },
        ],
        uniques: [{ name: 'uq_stacks_name', columnNames: ['org_name', 'project_name', 'stack_name'] }],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'updates',
        columns: [
          { name: 'id', ...id, isPrimary: true },
          { name: 'stack_id', ...id },
          { name: 'kind', type: 'varchar', length: '20', ...utf8 },
          { name: 'dry_run', type: 'boolean' },
          { name: 'status', type: 'varchar', length: '16', ...utf8 },
          { name: 'version', type: 'int' },
          { name: 'lease_token_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'lease_expires_at', ...millis, isNullable: true },
          { name: 'requested_by', type: 'varchar', length: '100', ...utf8 },
          { name: 'message', type: longText, ...utf8 },
          { name: 'environment', type: longText, ...utf8 },
          { name: 'config', type: longText, ...utf8 },
          { name: 'resource_changes', type: 'text', isNullable: true, ...utf8 },
          { name: 'resource_count', type: 'int', isNullable: true },
          { name: 'checkpoint_written', type: 'boolean' },
          { name: 'created_at', ...millis },
          { name: 'started_at', ...millis, isNullable: true },
          { name: 'ended_at', ...millis, isNullable: true },
        ],
      }),
    );
    await runner.createIndex('updates', new TableIndex({ name: 'ix_updates_history', columnNames: ['stack_id', 'dry_run', 'version'] }));
    await runner.createTable(
      new Table({
        name: 'update_events',
        columns: [
          { name: 'update_id', ...id, isPrimary: true },
          { name: 'sequence', type: 'int', isPrimary: true },
          { name: 'timestamp', ...millis },
          { name: 'kind', type: 'varchar', length: '64', ...utf8 },
          { name: 'urn', type: 'varchar', length: '1024', isNullable: true, ...utf8 },
          { name: 'body', type: longText, ...utf8 },
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'stack_versions',
        columns: [
          { name: 'stack_id', ...id, isPrimary: true },
          { name: 'version', type: 'int', isPrimary: true },
          { name: 'object_key', type: 'varchar', length: '255', ...utf8 },
          { name: 'resource_count', type: 'int' },
          { name: 'update_id', ...id, isNullable: true },
          { name: 'created_at', ...millis },
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('stack_versions');
    await runner.dropTable('update_events');
    await runner.dropTable('updates');
    await runner.dropTable('stacks');
  }
}
