import type { EntityManager, Repository } from 'typeorm';
import { AccessTokenEntity } from './access-token.entity';
import { accessTokenNameScope, type AccessTokenOwnerFilter } from './access-token-scope';

/** A token to insert: the name scope is derived, the machine-token columns default to none. */
export type NewAccessToken = Omit<AccessTokenEntity, 'nameScope'>;

/** Listings stop here; a scope with more live tokens than this has a problem a listing won't solve. */
export const MAX_LISTED_TOKENS = 1000;

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

  async insert(token: NewAccessToken): Promise<void> {
    await this.repo.insert({ teamId: null, admin: false, createdBy: null, ...token, nameScope: accessTokenNameScope(token) });
  }

  /** The token of this name in the scope (`accessTokenNameScope`), revoked or not. */
  findByScopeAndName(nameScope: string, name: string): Promise<AccessTokenEntity | null> {
    return this.repo.findOneBy({ nameScope, name });
  }

  /** Unrevoked tokens of one owner, newest first; expired ones only when asked. */
  list(owner: AccessTokenOwnerFilter, options: { includeExpired: boolean; now: number }): Promise<AccessTokenEntity[]> {
    const query = this.repo.createQueryBuilder('t').where('t.kind = :kind', { kind: owner.kind }).andWhere('t.revoked_at IS NULL');
    if (owner.kind === 'personal') query.andWhere('t.user_id = :userId', { userId: owner.userId });
    else query.andWhere('t.org_id = :orgId', { orgId: owner.orgId });
    if (owner.kind === 'team') query.andWhere('t.team_id = :teamId', { teamId: owner.teamId });
    if (!options.includeExpired) query.andWhere('(t.expires_at IS NULL OR t.expires_at > :now)', { now: options.now });
    return query.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'ASC').take(MAX_LISTED_TOKENS).getMany();
  }

  /**
   * Deletes up to `limit` tokens of ended console sessions (personal tokens named `namePrefix…`,
   * expired or revoked before `cutoff`); returns how many. Their session is over, so nothing can
   * derive or present them again: the row decides nothing.
   */
  async deleteEndedByNamePrefix(namePrefix: string, cutoff: number, limit: number): Promise<number> {
    const ended = await this.repo
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .where("t.kind = 'personal' AND t.name LIKE :prefix", { prefix: `${namePrefix}%` })
      .andWhere('((t.expires_at IS NOT NULL AND t.expires_at < :cutoff) OR (t.revoked_at IS NOT NULL AND t.revoked_at < :cutoff))', { cutoff })
      .limit(limit)
      .getRawMany<{ id: string }>();
    if (ended.length === 0) return 0;
    await this.repo.delete(ended.map((e) => e.id));
    return ended.length;
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

  /** Revokes every live personal token of the user (a deactivated SCIM user); returns how many. */
  async revokeAllOfUser(userId: string, now: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .update(AccessTokenEntity)
      .set({ revokedAt: now })
      .where("user_id = :userId AND kind = 'personal' AND revoked_at IS NULL", { userId })
      .execute();
    return result.affected ?? 0;
  }
}
