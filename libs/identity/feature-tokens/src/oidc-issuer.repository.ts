import type { EntityManager, Repository } from 'typeorm';
import { OidcAuthPolicyEntity, OidcIssuerEntity } from './oidc-issuer.entity';

/** An organization has few issuers; listings stop here all the same. */
export const MAX_OIDC_ISSUERS = 100;

export class OidcIssuerRepository {
  private readonly issuers: Repository<OidcIssuerEntity>;
  private readonly policies: Repository<OidcAuthPolicyEntity>;

  constructor(manager: EntityManager) {
    this.issuers = manager.getRepository(OidcIssuerEntity);
    this.policies = manager.getRepository(OidcAuthPolicyEntity);
  }

  list(orgId: string): Promise<OidcIssuerEntity[]> {
    return this.issuers.find({ where: { orgId }, order: { createdAt: 'ASC', id: 'ASC' }, take: MAX_OIDC_ISSUERS });
  }

  findById(orgId: string, id: string): Promise<OidcIssuerEntity | null> {
    return this.issuers.findOneBy({ orgId, id });
  }

  /** The organization's issuer whose identifier is exactly this `iss`. */
  findByUrl(orgId: string, url: string): Promise<OidcIssuerEntity | null> {
    return this.issuers.findOneBy({ orgId, url });
  }

  async insert(issuer: OidcIssuerEntity, policy: OidcAuthPolicyEntity): Promise<void> {
    await this.issuers.insert(issuer);
    await this.policies.insert(policy);
  }

  async update(issuer: OidcIssuerEntity): Promise<void> {
    const { id, ...fields } = issuer;
    await this.issuers.update({ id }, fields);
  }

  /** Deletes the issuer; its policy goes with it (foreign key). False when there was none. */
  async delete(orgId: string, id: string): Promise<boolean> {
    await this.policies.delete({ orgId, issuerId: id });
    const result = await this.issuers.delete({ orgId, id });
    return (result.affected ?? 0) > 0;
  }

  /** Records use at most once per window, as access tokens do. */
  async touchLastUsed(id: string, now: number, notSince: number): Promise<void> {
    await this.issuers
      .createQueryBuilder()
      .update(OidcIssuerEntity)
      .set({ lastUsedAt: now })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :notSince)', { id, notSince })
      .execute();
  }

  findPolicyByIssuer(orgId: string, issuerId: string): Promise<OidcAuthPolicyEntity | null> {
    return this.policies.findOneBy({ orgId, issuerId });
  }

  findPolicy(orgId: string, id: string): Promise<OidcAuthPolicyEntity | null> {
    return this.policies.findOneBy({ orgId, id });
  }

  /** Replaces the rules if the policy is still at `version` (compare-and-swap); false if another writer won. */
  async replacePolicy(id: string, version: number, policies: OidcAuthPolicyEntity['policies'], now: number): Promise<boolean> {
    const result = await this.policies
      .createQueryBuilder()
      .update(OidcAuthPolicyEntity)
      .set({ policies, version: version + 1, modifiedAt: now })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return (result.affected ?? 0) === 1;
  }
}
