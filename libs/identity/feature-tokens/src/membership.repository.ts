import type { EntityManager, Repository } from 'typeorm';
import type { OrgRole, PrincipalOrganization } from '@stackyard/shared-contracts';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';

export class MembershipRepository {
  private readonly repo: Repository<MembershipEntity>;

  constructor(manager: EntityManager) {
    this.repo = manager.getRepository(MembershipEntity);
  }

  find(orgId: string, userId: string): Promise<MembershipEntity | null> {
    return this.repo.findOneBy({ orgId, userId });
  }

  async insert(membership: MembershipEntity): Promise<void> {
    await this.repo.insert(membership);
  }

  async setRole(orgId: string, userId: string, role: OrgRole): Promise<void> {
    await this.repo.update({ orgId, userId }, { role });
  }

  /** Removes the user from the organization (a SCIM user's deletion). */
  async delete(orgId: string, userId: string): Promise<void> {
    await this.repo.delete({ orgId, userId });
  }

  /** The user's organizations with their role, by name: one indexed join on the resolve path. */
  async organizationsOf(userId: string): Promise<PrincipalOrganization[]> {
    const rows = await this.repo
      .createQueryBuilder('m')
      .innerJoin(OrganizationEntity, 'o', 'o.id = m.org_id')
      .select(['o.name AS name', 'm.role AS role'])
      .where('m.user_id = :userId', { userId })
      .orderBy('o.name', 'ASC')
      .getRawMany<{ name: string; role: OrgRole }>();
    return rows.map((row) => ({ name: row.name, role: row.role }));
  }
}
