import type { Principal } from '@stackyard/shared-contracts';
import type { AccessTokenEntity } from './access-token.entity';
import type { IdentityRepositories } from './identity.database';
import { organizationTokenAccess, teamTokenAccess } from './organization-access.loader';

/**
 * Who an organization or team token acts as: the organization (or its team), never a person —
 * Pulumi Cloud's "machine tokens". `login` is the organization's name, which is what `GET
 * /api/user` answers as `githubLogin` and `pulumi whoami` prints for both kinds (pulumi/pulumi
 * whoami.go; #12993 asks for the team name and is still open); `tokenInfo` tells them apart.
 * `access` carries what the token may do: an organization token's built-in role (`admin` flag) or
 * custom role, a team token's team grants and team roles. Null when the organization or team is gone.
 */
export async function machinePrincipal(repos: IdentityRepositories, token: AccessTokenEntity): Promise<Principal | null> {
  if (token.kind === 'personal' || token.orgId === null) return null;
  const org = await repos.organizations.findById(token.orgId);
  if (!org) return null;
  const base = { userId: '', login: org.name, email: '', avatarUrl: '', siteAdmin: false };
  if (token.kind === 'organization') {
    return {
      ...base,
      name: org.name,
      organizations: [{ name: org.name, role: token.admin === true ? 'admin' : 'member' }],
      teams: [],
      token: { id: token.id, name: token.name, kind: 'organization', organization: org.name },
      access: [await organizationTokenAccess(repos, org, token)],
    };
  }
  const team = token.teamId ? await repos.teams.findById(token.teamId) : null;
  if (!team || team.orgId !== org.id) return null;
  return {
    ...base,
    name: team.name,
    organizations: [{ name: org.name, role: 'member' }],
    teams: [{ organization: org.name, team: team.name }],
    token: { id: token.id, name: token.name, kind: 'team', organization: org.name, team: team.name },
    access: [await teamTokenAccess(repos, org, team)],
  };
}
