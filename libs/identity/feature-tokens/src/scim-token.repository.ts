import { type EntityManager, IsNull, type Repository } from 'typeorm';
import { ScimTokenEntity } from './scim-token.entity';

export class ScimTokenRepository {
  private readonly repo: Repository<ScimTokenEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(ScimTokenEntity);
  }

  findByHash(tokenHash: string): Promise<ScimTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  /** The organization's live token, if any. */
  findActive(orgId: string): Promise<ScimTokenEntity | null> {
    return this.repo.findOneBy({ orgId, revokedAt: IsNull() });
  }

  async insert(token: ScimTokenEntity): Promise<void> {
    await this.repo.insert(token);
  }

  /** Revokes every live token of the organization; returns how many. */
  async revokeActive(orgId: string, now: number): Promise<number> {
    const result = await this.repo.createQueryBuilder().update(ScimTokenEntity).set({ revokedAt: now }).where('org_id = :orgId AND revoked_at IS NULL', { orgId }).execute();
    return result.affected ?? 0;
  }

  /** At most one write per window across replicas, as for access tokens. */
  async touchLastUsed(id: string, now: number, notSince: number): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update(ScimTokenEntity)
      .set({ lastUsedAt: now })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :notSince)', { id, notSince })
      .execute();
  }
}
