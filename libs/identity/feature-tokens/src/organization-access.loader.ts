import type { GrantHolder, OrganizationAccess, OrgRole, RoleDefinition, StackGrant } from '@stackyard/shared-contracts';
import type { CustomRoleEntity } from './access-control.entity';
import type { IdentityRepositories } from './identity.database';
import type { MembershipRow } from './membership.repository';
import type { UserTeamRow } from './team.repository';

/** A stored custom role as the policy library reads it. */
export function toRoleDefinition(role: CustomRoleEntity): RoleDefinition {
  return { id: role.id, name: role.name, scopes: [...role.scopes], stackRules: role.stackRules.map((r) => ({ target: r.target, permission: r.permission })) };
}

/**
 * A person's access profile in each organization they belong to: built-in role, settings, their
 * own custom role and their teams' roles, their teams' and their own stack grants, and the teams
 * they administer. A fixed number of queries whatever the number of organizations and teams.
 */
export async function personalOrganizationAccess(repos: IdentityRepositories, userId: string, memberships: MembershipRow[], teams: UserTeamRow[]): Promise<OrganizationAccess[]> {
  if (memberships.length === 0) return [];
  const orgIds = memberships.map((m) => m.orgId);
  const memberTeams = teams.filter((t) => orgIds.includes(t.orgId));
  const teamIds = memberTeams.map((t) => t.teamId);
  const acl = repos.accessControl;
  const [settings, teamRoles, teamGrants, userGrants, administered] = await Promise.all([
    acl.settingsOf(orgIds),
    acl.teamRolesOf(teamIds),
    acl.teamGrantsOf(teamIds),
    acl.userGrantsOf(userId),
    acl.teamsAdministeredBy(userId),
  ]);
  const roleIds = new Set<string>([...memberships.flatMap((m) => (m.roleId ? [m.roleId] : [])), ...teamRoles.map((r) => r.roleId)]);
  const roles = new Map((await acl.rolesByIds([...roleIds])).map((r) => [r.id, r]));
  const teamById = new Map(memberTeams.map((t) => [t.teamId, t]));
  return memberships.map((membership) => {
    const access = emptyAccess(membership.name, membership.role, settings.get(membership.orgId));
    const own = membership.roleId ? roles.get(membership.roleId) : undefined;
    if (own) access.roles.push({ via: { kind: 'user' }, role: toRoleDefinition(own) });
    for (const assignment of teamRoles) {
      const team = teamById.get(assignment.teamId);
      const role = roles.get(assignment.roleId);
      if (team?.orgId === membership.orgId && role) access.roles.push({ via: { kind: 'team', team: team.team }, role: toRoleDefinition(role) });
    }
    for (const grant of teamGrants) {
      const team = teamById.get(grant.teamId);
      if (team?.orgId === membership.orgId) access.grants.push(stackGrant({ kind: 'team', team: team.team }, grant));
    }
    for (const grant of userGrants) if (grant.orgId === membership.orgId) access.grants.push(stackGrant({ kind: 'user' }, grant));
    access.teamsAdministered = memberTeams.filter((t) => t.orgId === membership.orgId && administered.includes(t.teamId)).map((t) => t.team);
    return access;
  });
}

/** An organization token: the built-in admin role (the `admin` flag), or member with its custom role. */
export async function organizationTokenAccess(repos: IdentityRepositories, org: { id: string; name: string }, token: { admin?: boolean; roleId?: string | null }): Promise<OrganizationAccess> {
  const acl = repos.accessControl;
  const [settings, roles] = await Promise.all([acl.settingsOf([org.id]), acl.rolesByIds(token.roleId ? [token.roleId] : [])]);
  const access = emptyAccess(org.name, token.admin === true ? 'admin' : 'member', settings.get(org.id));
  for (const role of roles) if (role.orgId === org.id) access.roles.push({ via: { kind: 'token' }, role: toRoleDefinition(role) });
  return access;
}

/** A team token: what its team has — the team's stack grants and roles. */
export async function teamTokenAccess(repos: IdentityRepositories, org: { id: string; name: string }, team: { id: string; name: string }): Promise<OrganizationAccess> {
  const acl = repos.accessControl;
  const [settings, teamRoles, grants] = await Promise.all([acl.settingsOf([org.id]), acl.teamRolesOf([team.id]), acl.teamGrantsOf([team.id])]);
  const roles = await acl.rolesByIds(teamRoles.map((r) => r.roleId));
  const access = emptyAccess(org.name, 'member', settings.get(org.id));
  const via: GrantHolder = { kind: 'team', team: team.name };
  for (const role of roles) access.roles.push({ via, role: toRoleDefinition(role) });
  for (const grant of grants) access.grants.push(stackGrant(via, grant));
  return access;
}

function emptyAccess(organization: string, role: OrgRole, settings: OrganizationAccess['settings'] | undefined): OrganizationAccess {
  if (!settings) throw new Error(`no settings loaded for organization ${organization}`);
  return { organization, role, settings, roles: [], grants: [], teamsAdministered: [] };
}

function stackGrant(via: GrantHolder, grant: { project: string; stack: string; permission: number }): StackGrant {
  return { via, target: { kind: 'stack', project: grant.project, stack: grant.stack }, permission: Number(grant.permission) as StackGrant['permission'] };
}
