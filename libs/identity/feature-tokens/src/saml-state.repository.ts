import type { EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from './database-errors.util';
import { SamlConsumedAssertionEntity, SamlRequestEntity } from './saml-state.entity';

/** Outstanding AuthnRequests. Every write is a single statement, atomic on both engines. */
export class SamlRequestRepository {
  private readonly repo: Repository<SamlRequestEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(SamlRequestEntity);
  }

  async insert(request: SamlRequestEntity): Promise<void> {
    await this.repo.insert(request);
  }

  /** Deletes the live request of `spEntityId`; true only for the one caller whose delete removed it. */
  async consume(requestId: string, spEntityId: string, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .from(SamlRequestEntity)
      .where('request_id = :requestId AND sp_entity_id = :spEntityId AND expires_at > :now', { requestId, spEntityId, now })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.repo, 'request_id', now, limit);
  }
}

/** Assertions already used to sign in. */
export class SamlConsumedAssertionRepository {
  private readonly repo: Repository<SamlConsumedAssertionEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(SamlConsumedAssertionEntity);
  }

  /**
   * Records the assertion unless a live record exists; false means a replay. The primary key
   * decides between concurrent callers on any replica. An expired record (not yet swept) is
   * replaced: the assertion itself would be refused as expired before it got here.
   */
  async insertIfAbsent(assertionKey: string, expiresAt: number, now: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.repo.insert({ assertionKey, expiresAt });
        return true;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const stale = await this.repo
        .createQueryBuilder()
        .delete()
        .from(SamlConsumedAssertionEntity)
        .where('assertion_key = :assertionKey AND expires_at <= :now', { assertionKey, now })
        .execute();
      if ((stale.affected ?? 0) === 0) return false;
    }
    return false;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.repo, 'assertion_key', now, limit);
  }
}

/** Expired rows, at most `limit` per call (select, then delete by key: SQLite's DELETE takes no LIMIT). */
async function deleteExpiredRows<T extends SamlRequestEntity | SamlConsumedAssertionEntity>(repo: Repository<T>, keyColumn: string, now: number, limit: number): Promise<number> {
  const rows = await repo.createQueryBuilder('r').select(`r.${keyColumn}`, 'id').where('r.expires_at <= :now', { now }).limit(limit).getRawMany<{ id: string }>();
  if (rows.length === 0) return 0;
  await repo.createQueryBuilder().delete().whereInIds(rows.map((row) => row.id)).execute();
  return rows.length;
}
