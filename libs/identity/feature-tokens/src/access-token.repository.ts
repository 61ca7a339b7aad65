import type { EntityManager, Repository } from 'typeorm';
import { AccessTokenEntity } from './access-token.entity';

export class AccessTokenRepository {
  private readonly repo: Repository<AccessTokenEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(AccessTokenEntity);
  }

  findById(id: string): Promise<AccessTokenEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByHash(tokenHash: string): Promise<AccessTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  findByUserAndName(userId: string, name: string): Promise<AccessTokenEntity | null> {
    return this.repo.findOneBy({ userId, name });
  }

  async insert(token: AccessTokenEntity): Promise<void> {
    await this.repo.insert(token);
  }

  /** Marks the token revoked; false when it does not exist or was already revoked. */
  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(AccessTokenEntity)
      .set({ revokedAt: now })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /**
   * Records use, unless a replica already did within the window: the condition makes concurrent
   * resolves of one token write at most once per window across all replicas.
   */
  async touchLastUsed(id: string, now: number, notSince: number): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update(AccessTokenEntity)
      .set({ lastUsedAt: now })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :notSince)', { id, notSince })
      .execute();
  }
}
