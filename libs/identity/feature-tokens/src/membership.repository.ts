import type { EntityManager, Repository } from 'typeorm';
import type { OrgRole, PrincipalOrganization } from '@stackyard/shared-contracts';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/** A user's membership in one organization, with the organization's id and custom role. */
export interface MembershipRow extends PrincipalOrganization {
  orgId: string;
  roleId: string | null;
}

/** A member with who they are (listings). */
export interface MemberRow {
  userId: string;
  login: string;
  name: string;
  email: string;
  avatarUrl: string;
  role: OrgRole;
  roleId: string | null;
  createdAt: number;
}

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

  /** The user's memberships with organization ids and custom roles: one join. */
  async membershipsOf(userId: string): Promise<MembershipRow[]> {
    const rows = await this.repo
      .createQueryBuilder('m')
      .innerJoin(OrganizationEntity, 'o', 'o.id = m.org_id')
      .select(['o.name AS name', 'o.id AS orgId', 'm.role AS role', 'm.role_id AS roleId'])
      .where('m.user_id = :userId', { userId })
      .orderBy('o.name', 'ASC')
      .getRawMany<{ name: string; orgId: string; role: OrgRole; roleId: string | null }>();
    return rows.map((row) => ({ name: row.name, orgId: row.orgId, role: row.role, roleId: row.roleId ?? null }));
  }

  /** Sets the built-in role and the custom role together (a custom role replaces the built-in member role). */
  async setRoles(orgId: string, userId: string, role: OrgRole, roleId: string | null): Promise<void> {
    await this.repo.update({ orgId, userId }, { role, roleId });
  }

  async countAdmins(orgId: string): Promise<number> {
    return this.repo.countBy({ orgId, role: 'admin' });
  }

  async count(orgId: string): Promise<number> {
    return this.repo.countBy({ orgId });
  }

  /** A page of members by login, after `afterLogin` (exclusive). */
  async listPage(orgId: string, afterLogin: string | null, limit: number): Promise<MemberRow[]> {
    const query = this.repo
      .createQueryBuilder('m')
      .innerJoin(UserEntity, 'u', 'u.id = m.user_id')
      .select(['u.id AS userId', 'u.login AS login', 'u.name AS name', 'u.email AS email', 'u.avatar_url AS avatarUrl', 'm.role AS role', 'm.role_id AS roleId', 'm.created_at AS createdAt'])
      .where('m.org_id = :orgId', { orgId });
    if (afterLogin !== null) query.andWhere('u.login > :afterLogin', { afterLogin });
    const rows = await query.orderBy('u.login', 'ASC').limit(limit).getRawMany<Omit<MemberRow, 'createdAt'> & { createdAt: number | string }>();
    return rows.map((r) => ({ ...r, roleId: r.roleId ?? null, createdAt: Number(r.createdAt) }));
  }
}
