import type { EntityManager, Repository } from 'typeorm';
import type { ThrottleState } from '@stackyard/identity-domain';
import { SignInThrottleEntity } from './sign-in-throttle.entity';

export class SignInThrottleRepository {
  private readonly repo: Repository<SignInThrottleEntity>;
  /** SQLite transactions are serialized already; MySQL needs the row locked for read-modify-write. */
  private readonly lockRows: boolean;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(SignInThrottleEntity);
    this.lockRows = manager.connection.options.type !== 'better-sqlite3' && manager.queryRunner?.isTransactionActive === true;
  }

  async find(key: string): Promise<ThrottleState | null> {
    const row = await this.repo.findOne({ where: { key }, ...(this.lockRows ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    return row ? { failures: row.failures, windowStartedAt: row.windowStartedAt, lockedUntil: row.lockedUntil } : null;
  }

  async save(key: string, state: ThrottleState): Promise<void> {
    await this.repo.upsert({ key, ...state }, ['key']);
  }

  async clear(key: string): Promise<void> {
    await this.repo.delete({ key });
  }

  /**
   * Rows whose window has passed and that lock nothing: they decide exactly as a missing row does
   * (see afterFailure), so the sweeper removes them, at most `limit` per call.
   */
  async deleteIdle(windowStartedBefore: number, now: number, limit: number): Promise<number> {
    const rows = await this.repo
      .createQueryBuilder('t')
      .select('t.throttle_key', 'key')
      .where('t.window_started_at <= :windowStartedBefore AND (t.locked_until IS NULL OR t.locked_until <= :now)', { windowStartedBefore, now })
      .limit(limit)
      .getRawMany<{ key: string }>();
    if (rows.length === 0) return 0;
    await this.repo.delete(rows.map((row) => row.key));
    return rows.length;
  }
}
