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
}
