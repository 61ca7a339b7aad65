import type { DataSource } from 'typeorm';
import { createDataSource } from '@stackyard/shared-db';
import { type LeaseRecord, type LeaseStore, parseJobRuns, type VersionedLease } from './lease-store';

/** The table each service's migration creates (see e.g. apps/identity's LeaderLeases migration). */
export const LEADER_LEASES_TABLE = 'leader_leases';

interface LeaseRow {
  holder: string;
  version: number | string;
  lease_duration_ms: number | string;
  acquired_at: number | string;
  renewed_at: number | string;
  transitions: number | string;
  job_runs: string | null;
}

/**
 * A row of the service's own database as the lease store: works on SQLite and MySQL/MariaDB. The
 * row's `version` counter plays Kubernetes' resourceVersion: every write is one `UPDATE … WHERE
 * name = ? AND version = ?`, which the database applies to exactly one of two racing replicas.
 *
 * It opens its own connection (`open`) rather than borrowing the service's pool: a lease write must
 * never join a transaction that the service's code has open on SQLite's single connection (and
 * be rolled back with it), nor wait behind a saturated pool and cost the service its leadership.
 */
export class DatabaseLeaseStore implements LeaseStore {
  readonly description: string;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly leaseName: string,
  ) {
    this.description = `database lease ${leaseName}`;
  }

  /** Opens a connection of its own to `databaseUrl`; the table must exist (a migration creates it). */
  static async open(databaseUrl: string, leaseName: string, migrationsTableName: string): Promise<DatabaseLeaseStore> {
    const dataSource = createDataSource({ url: databaseUrl, entities: [], migrations: [], migrationsTableName, poolSize: 2 });
    await dataSource.initialize();
    return new DatabaseLeaseStore(dataSource, leaseName);
  }

  async get(): Promise<VersionedLease | null> {
    const rows = await this.dataSource.query<LeaseRow[]>(
      `SELECT holder, version, lease_duration_ms, acquired_at, renewed_at, transitions, job_runs FROM ${LEADER_LEASES_TABLE} WHERE name = ?`,
      [this.leaseName],
    );
    const row = rows[0];
    return row ? { version: String(Number(row.version)), record: recordOf(row) } : null;
  }

  async create(record: LeaseRecord): Promise<VersionedLease | 'conflict'> {
    try {
      await this.write(
        `INSERT INTO ${LEADER_LEASES_TABLE} (name, holder, version, lease_duration_ms, acquired_at, renewed_at, transitions, job_runs) VALUES (?, ?, 1, ?, ?, ?, ?, ?)`,
        [this.leaseName, ...values(record)],
      );
      return { version: '1', record };
    } catch (error) {
      // A duplicate key reads differently on each engine; the row being there is what matters.
      if ((await this.get()) !== null) return 'conflict';
      throw error;
    }
  }

  async replace(record: LeaseRecord, expectedVersion: string): Promise<VersionedLease | 'conflict'> {
    const expected = Number(expectedVersion);
    const affected = await this.write(
      `UPDATE ${LEADER_LEASES_TABLE} SET holder = ?, lease_duration_ms = ?, acquired_at = ?, renewed_at = ?, transitions = ?, job_runs = ?, version = version + 1 WHERE name = ? AND version = ?`,
      [...values(record), this.leaseName, expected],
    );
    return affected === 1 ? { version: String(expected + 1), record } : 'conflict';
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async write(sql: string, parameters: unknown[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = (await runner.query(sql, parameters, true)) as { affected?: number };
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }
}

function values(record: LeaseRecord): unknown[] {
  return [record.holderIdentity, record.leaseDurationMs, record.acquireTime, record.renewTime, record.leaseTransitions, JSON.stringify(record.jobRuns)];
}

function recordOf(row: LeaseRow): LeaseRecord {
  return {
    holderIdentity: row.holder,
    leaseDurationMs: Number(row.lease_duration_ms),
    acquireTime: Number(row.acquired_at),
    renewTime: Number(row.renewed_at),
    leaseTransitions: Number(row.transitions),
    jobRuns: parseJobRuns(row.job_runs),
  };
}
