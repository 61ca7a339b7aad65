import type { EntityManager, Repository } from 'typeorm';
import { SessionEntity } from './session.entity';

export class SessionRepository {
  private readonly repo: Repository<SessionEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(SessionEntity);
  }

  findByHash(tokenHash: string): Promise<SessionEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  async insert(session: SessionEntity): Promise<void> {
    await this.repo.insert(session);
  }

  /** Like access tokens' last use: at most one write per window across replicas. */
  async touch(tokenHash: string, now: number, notSince: number): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ lastSeenAt: now })
      .where('token_hash = :tokenHash AND last_seen_at < :notSince AND revoked_at IS NULL', { tokenHash, notSince })
      .execute();
  }

  async revoke(tokenHash: string, now: number): Promise<void> {
    await this.repo.createQueryBuilder().update(SessionEntity).set({ revokedAt: now }).where('token_hash = :tokenHash AND revoked_at IS NULL', { tokenHash }).execute();
  }

  /** Ended sessions are of no use to anyone; removed in batches by the sweeper. */
  async deleteEndedBefore(cutoff: number, limit: number): Promise<number> {
    const ended = await this.repo
      .createQueryBuilder('s')
      .select('s.token_hash', 'hash')
      .where('s.expires_at < :cutoff OR (s.revoked_at IS NOT NULL AND s.revoked_at < :cutoff)', { cutoff })
      .limit(limit)
      .getRawMany<{ hash: string }>();
    if (ended.length === 0) return 0;
    await this.repo.delete(ended.map((e) => e.hash));
    return ended.length;
  }

  /** Ends every live session of the user (a deactivated SCIM user); returns how many. */
  async revokeAllOfUser(userId: string, now: number): Promise<number> {
    const result = await this.repo.createQueryBuilder().update(SessionEntity).set({ revokedAt: now }).where('user_id = :userId AND revoked_at IS NULL', { userId }).execute();
    return result.affected ?? 0;
  }
}
