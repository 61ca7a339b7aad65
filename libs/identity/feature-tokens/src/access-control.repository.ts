import { type EntityManager, In, IsNull, Not, type Repository } from 'typeorm';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS, type GrantedStackPermission, type OrganizationAccessSettings } from '@stackyard/shared-contracts';
import { AccessTokenEntity } from './access-token.entity';
import {
  CustomRoleEntity,
  OrganizationAccessSettingsEntity,
  TeamAdminEntity,
  TeamRoleEntity,
  TeamStackGrantEntity,
  UserStackGrantEntity,
} from './access-control.entity';
import { MembershipEntity } from './membership.entity';
import { TeamEntity } from './team.entity';
import { UserEntity } from './user.entity';

export interface StackName {
  project: string;
  stack: string;
}

/** A stack grant of a person with who they are (a stack's "collaborators"). */
export interface UserGrantRow {
  userId: string;
  login: string;
  name: string;
  avatarUrl: string;
  email: string;
  permission: GrantedStackPermission;
}

/** A team's grant on a stack with the team's names. */
export interface TeamGrantRow {
  teamId: string;
  name: string;
  displayName: string;
  description: string;
  permission: GrantedStackPermission;
}

/**
 * Role-based access control data: organization settings, custom roles and who holds them, team
 * admins, and stack grants of teams and people. Every "for these ids" read is one query, so a
 * principal's profile costs a fixed number of queries however many teams and organizations it spans.
 */
export class AccessControlRepository {
  private readonly settings: Repository<OrganizationAccessSettingsEntity>;
  private readonly roles: Repository<CustomRoleEntity>;
  private readonly teamRoles: Repository<TeamRoleEntity>;
  private readonly teamAdmins: Repository<TeamAdminEntity>;
  private readonly teamGrants: Repository<TeamStackGrantEntity>;
  private readonly userGrants: Repository<UserStackGrantEntity>;
  private readonly memberships: Repository<MembershipEntity>;
  private readonly tokens: Repository<AccessTokenEntity>;

  constructor(private readonly manager: EntityManager) {
    this.settings = manager.getRepository(OrganizationAccessSettingsEntity);
    this.roles = manager.getRepository(CustomRoleEntity);
    this.teamRoles = manager.getRepository(TeamRoleEntity);
    this.teamAdmins = manager.getRepository(TeamAdminEntity);
    this.teamGrants = manager.getRepository(TeamStackGrantEntity);
    this.userGrants = manager.getRepository(UserStackGrantEntity);
    this.memberships = manager.getRepository(MembershipEntity);
    this.tokens = manager.getRepository(AccessTokenEntity);
  }

  // ---- organization settings ------------------------------------------------------------

  /** Each organization's settings (the defaults where none were saved). */
  async settingsOf(orgIds: readonly string[]): Promise<Map<string, OrganizationAccessSettings>> {
    const rows = orgIds.length === 0 ? [] : await this.settings.findBy({ orgId: In([...orgIds]) });
    const byOrg = new Map(rows.map((r) => [r.orgId, toSettings(r)]));
    return new Map(orgIds.map((id) => [id, byOrg.get(id) ?? { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS }]));
  }

  async saveSettings(orgId: string, settings: OrganizationAccessSettings, now: number): Promise<void> {
    const row: OrganizationAccessSettingsEntity = { orgId, ...settings, modifiedAt: now };
    if (await this.settings.existsBy({ orgId })) await this.settings.update({ orgId }, row);
    else await this.settings.insert(row);
  }

  // ---- custom roles ---------------------------------------------------------------------

  rolesByIds(ids: readonly string[]): Promise<CustomRoleEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.roles.findBy({ id: In([...ids]) });
  }

  listRoles(orgId: string): Promise<CustomRoleEntity[]> {
    return this.roles.find({ where: { orgId }, order: { name: 'ASC' } });
  }

  findRole(orgId: string, id: string): Promise<CustomRoleEntity | null> {
    return this.roles.findOneBy({ orgId, id });
  }

  findRoleByName(orgId: string, name: string): Promise<CustomRoleEntity | null> {
    return this.roles.findOneBy({ orgId, name });
  }

  async insertRole(role: CustomRoleEntity): Promise<void> {
    await this.roles.insert(role);
  }

  async updateRole(role: CustomRoleEntity): Promise<void> {
    const { id, ...changes } = role;
    await this.roles.update({ id }, changes);
  }

  /** Deletes the role; members and tokens holding it fall back to their built-in role (ON DELETE SET NULL). */
  async deleteRole(id: string): Promise<void> {
    // Explicitly too: SQLite enforces foreign keys only when the connection enables them.
    await this.memberships.update({ roleId: id }, { roleId: null });
    await this.tokens.update({ roleId: id }, { roleId: null });
    await this.teamRoles.delete({ roleId: id });
    await this.roles.delete({ id });
  }

  /** The team-role assignments of these teams. */
  teamRolesOf(teamIds: readonly string[]): Promise<TeamRoleEntity[]> {
    return teamIds.length === 0 ? Promise.resolve([]) : this.teamRoles.findBy({ teamId: In([...teamIds]) });
  }

  /** Assigns the role to the team; false when it already was. */
  async assignTeamRole(teamId: string, roleId: string, now: number): Promise<boolean> {
    if (await this.teamRoles.existsBy({ teamId, roleId })) return false;
    await this.teamRoles.insert({ teamId, roleId, createdAt: now });
    return true;
  }

  async removeTeamRole(teamId: string, roleId: string): Promise<boolean> {
    return ((await this.teamRoles.delete({ teamId, roleId })).affected ?? 0) > 0;
  }

  /** Who holds the role: members (as their own role), teams, organization tokens (unrevoked). */
  async roleHolders(orgId: string, roleId: string): Promise<{ users: UserEntity[]; teams: TeamEntity[]; tokens: AccessTokenEntity[] }> {
    const users = await this.manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(MembershipEntity, 'm', 'm.user_id = u.id')
      .where('m.org_id = :orgId AND m.role_id = :roleId', { orgId, roleId })
      .orderBy('u.login', 'ASC')
      .getMany();
    const teams = await this.manager
      .getRepository(TeamEntity)
      .createQueryBuilder('t')
      .innerJoin(TeamRoleEntity, 'tr', 'tr.team_id = t.id')
      .where('t.org_id = :orgId AND tr.role_id = :roleId', { orgId, roleId })
      .orderBy('t.name', 'ASC')
      .getMany();
    const tokens = await this.tokens.find({ where: { orgId, roleId, revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
    return { users, teams, tokens };
  }

  // ---- team admins ----------------------------------------------------------------------

  async teamsAdministeredBy(userId: string): Promise<string[]> {
    return (await this.teamAdmins.findBy({ userId })).map((r) => r.teamId);
  }

  async adminsOf(teamIds: readonly string[]): Promise<TeamAdminEntity[]> {
    return teamIds.length === 0 ? [] : this.teamAdmins.findBy({ teamId: In([...teamIds]) });
  }

  /** Makes the user an admin of the team or not; false when nothing changed. */
  async setTeamAdmin(teamId: string, userId: string, admin: boolean, now: number): Promise<boolean> {
    const exists = await this.teamAdmins.existsBy({ teamId, userId });
    if (exists === admin) return false;
    if (admin) await this.teamAdmins.insert({ teamId, userId, createdAt: now });
    else await this.teamAdmins.delete({ teamId, userId });
    return true;
  }

  /** Drops the user's admin rights on the organization's teams (they left it). */
  async removeTeamAdminsIn(orgId: string, userId: string): Promise<void> {
    const teamIds = (await this.manager.getRepository(TeamEntity).find({ where: { orgId }, select: { id: true } })).map((t) => t.id);
    if (teamIds.length > 0) await this.teamAdmins.delete({ userId, teamId: In(teamIds) });
  }

  // ---- stack grants ---------------------------------------------------------------------

  teamGrantsOf(teamIds: readonly string[]): Promise<TeamStackGrantEntity[]> {
    return teamIds.length === 0 ? Promise.resolve([]) : this.teamGrants.find({ where: { teamId: In([...teamIds]) }, order: { project: 'ASC', stack: 'ASC' } });
  }

  findTeamGrant(teamId: string, name: StackName): Promise<TeamStackGrantEntity | null> {
    return this.teamGrants.findOneBy({ teamId, project: name.project, stack: name.stack });
  }

  /** Sets the team's level on the stack; the previous level (0 for none). */
  async setTeamGrant(orgId: string, teamId: string, name: StackName, permission: GrantedStackPermission, now: number): Promise<number> {
    const existing = await this.findTeamGrant(teamId, name);
    if (existing) {
      if (existing.permission !== permission) await this.teamGrants.update({ teamId, project: name.project, stack: name.stack }, { permission, modifiedAt: now });
      return existing.permission;
    }
    await this.teamGrants.insert({ teamId, orgId, project: name.project, stack: name.stack, permission, createdAt: now, modifiedAt: now });
    return 0;
  }

  async removeTeamGrant(teamId: string, name: StackName): Promise<boolean> {
    return ((await this.teamGrants.delete({ teamId, project: name.project, stack: name.stack })).affected ?? 0) > 0;
  }

  /** The teams with a grant on the stack. */
  async teamGrantsOnStack(orgId: string, name: StackName): Promise<TeamGrantRow[]> {
    const rows = await this.teamGrants
      .createQueryBuilder('g')
      .innerJoin(TeamEntity, 't', 't.id = g.team_id')
      .select(['g.team_id AS teamId', 't.name AS name', 't.display_name AS displayName', 't.description AS description', 'g.permission AS permission'])
      .where('g.org_id = :orgId AND g.project = :project AND g.stack = :stack', { orgId, project: name.project, stack: name.stack })
      .orderBy('t.name', 'ASC')
      .getRawMany<{ teamId: string; name: string; displayName: string | null; description: string | null; permission: number | string }>();
    return rows.map((r) => ({ teamId: r.teamId, name: r.name, displayName: r.displayName ?? '', description: r.description ?? '', permission: Number(r.permission) as GrantedStackPermission }));
  }

  /** The user's own stack grants, in every organization. */
  userGrantsOf(userId: string): Promise<UserStackGrantEntity[]> {
    return this.userGrants.find({ where: { userId }, order: { project: 'ASC', stack: 'ASC' } });
  }

  async userGrantsOnStack(orgId: string, name: StackName): Promise<UserGrantRow[]> {
    const rows = await this.userGrants
      .createQueryBuilder('g')
      .innerJoin(UserEntity, 'u', 'u.id = g.user_id')
      .select(['g.user_id AS userId', 'u.login AS login', 'u.name AS name', 'u.avatar_url AS avatarUrl', 'u.email AS email', 'g.permission AS permission'])
      .where('g.org_id = :orgId AND g.project = :project AND g.stack = :stack', { orgId, project: name.project, stack: name.stack })
      .orderBy('u.login', 'ASC')
      .getRawMany<Omit<UserGrantRow, 'permission'> & { permission: number | string }>();
    return rows.map((r) => ({ ...r, permission: Number(r.permission) as GrantedStackPermission }));
  }

  /** Sets the user's level on the stack; the previous level (0 for none). */
  async setUserGrant(orgId: string, userId: string, name: StackName, permission: GrantedStackPermission, now: number): Promise<number> {
    const key = { orgId, userId, project: name.project, stack: name.stack };
    const existing = await this.userGrants.findOneBy(key);
    if (existing) {
      if (existing.permission !== permission) await this.userGrants.update(key, { permission, modifiedAt: now });
      return existing.permission;
    }
    await this.userGrants.insert({ ...key, permission, createdAt: now, modifiedAt: now });
    return 0;
  }

  async removeUserGrant(orgId: string, userId: string, name: StackName): Promise<boolean> {
    return ((await this.userGrants.delete({ orgId, userId, project: name.project, stack: name.stack })).affected ?? 0) > 0;
  }

  /** Drops a person's grants in the organization (they left it). */
  async removeUserGrantsIn(orgId: string, userId: string): Promise<void> {
    await this.userGrants.delete({ orgId, userId });
  }

  /**
   * A stack was renamed (`to`) or left the organization (no `to`): its grants follow or go. A grant
   * already on the new name (left behind by an earlier stack of that name) gives way.
   */
  async moveStackGrants(orgId: string, from: StackName, to: StackName | undefined): Promise<{ teams: number; users: number }> {
    const fromKey = { orgId, project: from.project, stack: from.stack };
    if (to) {
      const toKey = { orgId, project: to.project, stack: to.stack };
      await this.teamGrants.delete(toKey);
      await this.userGrants.delete(toKey);
      const teams = (await this.teamGrants.update(fromKey, { project: to.project, stack: to.stack })).affected ?? 0;
      const users = (await this.userGrants.update(fromKey, { project: to.project, stack: to.stack })).affected ?? 0;
      return { teams, users };
    }
    const teams = (await this.teamGrants.delete(fromKey)).affected ?? 0;
    const users = (await this.userGrants.delete(fromKey)).affected ?? 0;
    return { teams, users };
  }

  /** Members whose own role is a custom role, by user id (for listings). */
  async memberRoleIds(orgId: string): Promise<Map<string, string>> {
    const rows = await this.memberships.find({ where: { orgId, roleId: Not(IsNull()) }, select: { userId: true, roleId: true } });
    return new Map(rows.map((r) => [r.userId, r.roleId as string]));
  }
}

function toSettings(row: OrganizationAccessSettingsEntity): OrganizationAccessSettings {
  return {
    defaultStackPermission: Number(row.defaultStackPermission) as OrganizationAccessSettings['defaultStackPermission'],
    membersCanCreateStacks: Boolean(row.membersCanCreateStacks),
    membersCanDeleteStacks: Boolean(row.membersCanDeleteStacks),
    membersCanTransferStacks: Boolean(row.membersCanTransferStacks),
    membersCanCreateTeams: Boolean(row.membersCanCreateTeams),
  };
}
