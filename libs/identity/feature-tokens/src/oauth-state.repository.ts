import type { EntityManager, Repository } from 'typeorm';
import { OAuthStateEntity } from './oauth-state.entity';

/** Why a callback's state could not be used. */
export type OAuthStateRefusal = 'unknown' | 'expired' | 'replayed';

/** Started OAuth sign-ins. Every write is a single statement, atomic on both engines. */
export class OAuthStateRepository {
  private readonly repo: Repository<OAuthStateEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(OAuthStateEntity);
  }

  async insert(state: OAuthStateEntity): Promise<void> {
    await this.repo.insert(state);
  }

  /**
   * Uses the state of `provider` once: the row is marked consumed by a conditional UPDATE, so of
   * two concurrent callbacks (on any replicas) exactly one gets the row back. Otherwise why not.
   */
  async consume(stateHash: string, provider: string, now: number): Promise<{ ok: true; state: OAuthStateEntity } | { ok: false; refusal: OAuthStateRefusal }> {
    const result = await this.repo
      .createQueryBuilder()
      .update(OAuthStateEntity)
      .set({ consumedAt: now })
      .where('state_hash = :stateHash AND provider = :provider AND consumed_at IS NULL AND expires_at > :now', { stateHash, provider, now })
      .execute();
    const row = await this.repo.findOneBy({ stateHash });
    if ((result.affected ?? 0) === 1 && row) return { ok: true, state: row };
    if (!row || row.provider !== provider) return { ok: false, refusal: 'unknown' };
    if (row.consumedAt !== null) return { ok: false, refusal: 'replayed' };
    return { ok: false, refusal: 'expired' };
  }

  /** Expired rows, at most `limit` per call (select, then delete by key: SQLite's DELETE takes no LIMIT). */
  async deleteExpired(now: number, limit: number): Promise<number> {
    const rows = await this.repo.createQueryBuilder('s').select('s.state_hash', 'id').where('s.expires_at <= :now', { now }).limit(limit).getRawMany<{ id: string }>();
    if (rows.length === 0) return 0;
    await this.repo.createQueryBuilder().delete().whereInIds(rows.map((row) => row.id)).execute();
    return rows.length;
  }
}
