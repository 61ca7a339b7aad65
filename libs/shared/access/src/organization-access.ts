import { ORGANIZATION_SCOPES, type OrganizationAccess, type OrganizationScope, type Principal } from '@stackyard/shared-contracts';
import { type AccessDecision, isPersonalNamespace, organizationAccessOf } from './stack-access';

/**
 * THE rule for the organization itself (members, teams, roles, tokens, settings, audit log):
 *  - admins hold every organization scope;
 *  - members may read the organization, and create stacks and teams as its settings allow —
 *    settings that apply only to members with no custom role of their own;
 *  - custom roles (the user's own, their teams', the token's) add their organization scopes;
 *  - a team's admins manage that team (members and stack grants), see `decideTeam`.
 * A union again: nothing takes away.
 */
export function organizationScopes(principal: Principal, organization: string): ReadonlySet<OrganizationScope> {
  const org = organizationAccessOf(principal, organization);
  const scopes = new Set<OrganizationScope>();
  if (!org) return scopes;
  if (org.role === 'admin') return new Set(ORGANIZATION_SCOPES);
  scopes.add('organization:read');
  if (!org.roles.some((r) => r.via.kind === 'user' || r.via.kind === 'token')) {
    if (org.settings.membersCanCreateStacks) scopes.add('stack:create');
    if (org.settings.membersCanCreateTeams) scopes.add('team:create');
  }
  for (const { role } of org.roles) {
    for (const scope of role.scopes) if ((ORGANIZATION_SCOPES as readonly string[]).includes(scope)) scopes.add(scope as OrganizationScope);
  }
  return scopes;
}

const ORGANIZATION_SCOPE_DESCRIPTIONS: Record<OrganizationScope, string> = {
  'organization:read': 'seeing the organization',
  'organization:settings': "changing the organization's settings",
  'stack:create': 'creating stacks',
  'member:manage': 'managing members',
  'team:create': 'creating teams',
  'team:manage': 'managing teams',
  'role:manage': 'managing roles',
  'token:manage': 'managing organization and team tokens',
  'sso:manage': 'configuring single sign-on',
  'audit_log:read': 'reading the audit log',
};

/** Not a member: 404 (the organization is invisible); a member lacking the scope: 403. */
export function decideOrganization(principal: Principal, organization: string, scope: OrganizationScope): AccessDecision {
  if (!organizationAccessOf(principal, organization)) {
    // Creating stacks in one's own login is always allowed; everything else there is not an organization.
    if (scope === 'stack:create' && isPersonalNamespace(principal, organization)) return { allowed: true };
    return { allowed: false, status: 404, message: `Organization '${organization}' not found` };
  }
  if (organizationScopes(principal, organization).has(scope)) return { allowed: true };
  return { allowed: false, status: 403, message: `${ORGANIZATION_SCOPE_DESCRIPTIONS[scope]} in organization '${organization}' needs the '${scope}' permission, which you do not have` };
}

/** Team management: `team:manage` in the organization, or being an admin of that very team. */
export function decideTeam(principal: Principal, organization: string, team: string): AccessDecision {
  const org: OrganizationAccess | null = organizationAccessOf(principal, organization);
  if (org?.teamsAdministered.includes(team)) return { allowed: true };
  return decideOrganization(principal, organization, 'team:manage');
}
