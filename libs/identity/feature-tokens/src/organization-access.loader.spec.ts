import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS } from '@stackyard/shared-contracts';
import type { IdentityRepositories } from './identity.database';
import type { MembershipRow } from './membership.repository';
import { personalOrganizationAccess } from './organization-access.loader';
import type { UserTeamRow } from './team.repository';

/** Repositories that answer from fixed rows and count every call (each call is one query in the real ones). */
function countingRepos(teamCount: number) {
  const calls: Record<string, number> = {};
  const count = <T>(name: string, answer: T) => {
    calls[name] = (calls[name] ?? 0) + 1;
    return Promise.resolve(answer);
  };
  const teamIds = Array.from({ length: teamCount }, (_, i) => `t${i}`);
  const repos = {
    accessControl: {
      settingsOf: (ids: string[]) => count('settingsOf', new Map(ids.map((id) => [id, DEFAULT_ORGANIZATION_ACCESS_SETTINGS]))),
      teamRolesOf: (ids: string[]) => count('teamRolesOf', ids.map((teamId) => ({ teamId, roleId: 'r-team', createdAt: 0 }))),
      teamGrantsOf: (ids: string[]) => count('teamGrantsOf', ids.map((teamId) => ({ teamId, orgId: 'o1', project: 'p', stack: teamId, permission: 101 }))),
      userGrantsOf: () => count('userGrantsOf', [{ orgId: 'o2', userId: 'u1', project: 'p', stack: 's', permission: 103 }]),
      teamsAdministeredBy: () => count('teamsAdministeredBy', ['t0']),
      rolesByIds: (ids: string[]) => count('rolesByIds', ids.map((id) => ({ id, orgId: 'o1', name: id, scopes: [], stackRules: [] }))),
    },
  } as unknown as IdentityRepositories;
  const memberships: MembershipRow[] = [
    { name: 'acme', orgId: 'o1', role: 'member', roleId: 'r-own' },
    { name: 'beta', orgId: 'o2', role: 'admin', roleId: null },
    { name: 'gamma', orgId: 'o3', role: 'member', roleId: null },
  ];
  const teams: UserTeamRow[] = [...teamIds.map((teamId) => ({ teamId, orgId: 'o1', organization: 'acme', team: `team-${teamId}` })), { teamId: 'tx', orgId: 'o9', organization: 'elsewhere', team: 'x' }];
  return { repos, calls, memberships, teams };
}

void describe('personalOrganizationAccess', () => {
  void it('costs the same queries for 1 team or 200, and never loads teams of organizations the person is not in', async () => {
    for (const teamCount of [1, 200]) {
      const { repos, calls, memberships, teams } = countingRepos(teamCount);
      const access = await personalOrganizationAccess(repos, 'u1', memberships, teams);
      assert.deepEqual(calls, { settingsOf: 1, teamRolesOf: 1, teamGrantsOf: 1, userGrantsOf: 1, teamsAdministeredBy: 1, rolesByIds: 1 });
      const acme = access.find((a) => a.organization === 'acme');
      assert.equal(acme?.grants.length, teamCount);
      assert.equal(acme?.roles.filter((r) => r.via.kind === 'team').length, teamCount);
      assert.deepEqual(acme?.roles.find((r) => r.via.kind === 'user')?.role.id, 'r-own');
      assert.deepEqual(acme?.teamsAdministered, ['team-t0']);
      assert.deepEqual(access.find((a) => a.organization === 'beta')?.grants, [{ via: { kind: 'user' }, target: { kind: 'stack', project: 'p', stack: 's' }, permission: 103 }]);
      assert.deepEqual(access.find((a) => a.organization === 'gamma'), { organization: 'gamma', role: 'member', settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS, roles: [], grants: [], teamsAdministered: [] });
      assert.equal(access.length, 3, 'no profile for the organization of a team the person is no member of');
    }
  });
});
