import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions } from 'typeorm';
import { columnTypes } from '@stackyard/shared-db';

/**
 * A stack may hold several data keys: rotating a stack's data key adds version n+1 and keeps the
 * older ones, because every value envelope names the version that sealed it (value-envelope.ts).
 * Existing keys become version 1, which is what their envelopes already say. The primary key moves
 * to (stack_id, key_version), which keeps concurrent creation of a version race-free.
 *
 * The table is rebuilt (new table, copy, swap) rather than altered: SQLite cannot change a primary
 * key in place, and TypeORM's updatePrimaryKeys leaves a SQLite table's key as it was.
 */
export class VersionedDataKeys1795800000000 implements MigrationInterface {
  name = 'VersionedDataKeys1795800000000';

  async up(runner: QueryRunner): Promise<void> {
    await rebuild(runner, true);
  }

  /** Keeps only each stack's version 1: values sealed by a rotated key no longer decrypt after this. */
  async down(runner: QueryRunner): Promise<void> {
    await rebuild(runner, false);
  }
}

async function rebuild(runner: QueryRunner, versioned: boolean): Promise<void> {
  const columns: TableColumnOptions[] = [
    { name: 'stack_id', ...columnTypes.name(runner, 64), isPrimary: true },
    ...(versioned ? [{ name: 'key_version', type: 'int', isPrimary: true }] : []),
    { name: 'wrapped_key', type: 'varchar', length: '1024' },
    { name: 'kek_id', type: 'varchar', length: '255' },
    { name: 'kek_version', type: 'int' },
    { name: 'created_at', type: 'bigint' },
  ];
  await runner.createTable(new Table({ name: 'stack_data_keys_next', columns }));
  await runner.query(
    versioned
      ? 'INSERT INTO stack_data_keys_next (stack_id, key_version, wrapped_key, kek_id, kek_version, created_at) SELECT stack_id, 1, wrapped_key, kek_id, kek_version, created_at FROM stack_data_keys'
      : 'INSERT INTO stack_data_keys_next (stack_id, wrapped_key, kek_id, kek_version, created_at) SELECT stack_id, wrapped_key, kek_id, kek_version, created_at FROM stack_data_keys WHERE key_version = 1',
  );
  await runner.dropTable('stack_data_keys');
  await runner.renameTable('stack_data_keys_next', 'stack_data_keys');
}
