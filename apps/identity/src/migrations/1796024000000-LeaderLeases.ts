import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columnTypes } from '@stackyard/shared-db';

/**
 * The database backend of leader election (`STACKYARD_LEADER_ELECTION=database`, the default): one
 * row per lease, holder plus a version counter that every write compares and sets, and the periods
 * the cluster singletons (the sweeper) last claimed. Runs on SQLite and MySQL/MariaDB.
 */
export class LeaderLeases1796024000000 implements MigrationInterface {
  name = 'LeaderLeases1796024000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'leader_leases',
        columns: [
          { name: 'name', ...columnTypes.name(runner, 128), isPrimary: true },
          // '' while nobody holds it; a pod name is at most 253 characters.
          { name: 'holder', ...columnTypes.name(runner, 253) },
          { name: 'version', type: 'bigint' },
          { name: 'lease_duration_ms', type: 'bigint' },
          { name: 'acquired_at', type: 'bigint' },
          { name: 'renewed_at', type: 'bigint' },
          { name: 'transitions', type: 'integer' },
          { name: 'job_runs', type: columnTypes.longText(runner), ...columnTypes.utf8(runner) },
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('leader_leases');
  }
}
