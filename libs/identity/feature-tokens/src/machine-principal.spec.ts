import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessTokenEntity } from './access-token.entity';
import { accessTokenNameScope } from './access-token-scope';
import type { IdentityRepositories } from './identity.database';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS } from '@stackyard/shared-contracts';
import type { CustomRoleEntity } from './access-control.entity';
import { machinePrincipal } from './machine-principal';

const ROLE: CustomRoleEntity = { id: 'r1', orgId: 'o1', name: 'deployer', description: '', scopes: ['stack:create'], stackRules: [{ target: { kind: 'tag', key: 'env', value: 'dev' }, permission: 102 }], details: null, version: 1, createdAt: 0, modifiedAt: 0 };

const repos = {
  organizations: { findById: (id: string) => Promise.resolve(id === 'o1' ? { id: 'o1', name: 'acme', createdAt: 0 } : null) },
  teams: { findById: (id: string) => Promise.resolve(id === 't1' ? { id: 't1', orgId: 'o1', name: 'platform', createdAt: 0 } : id === 'tx' ? { id: 'tx', orgId: 'o2', name: 'elsewhere', createdAt: 0 } : null) },
  accessControl: {
    settingsOf: (ids: string[]) => Promise.resolve(new Map(ids.map((id) => [id, DEFAULT_ORGANIZATION_ACCESS_SETTINGS]))),
    rolesByIds: (ids: string[]) => Promise.resolve(ids.includes('r1') ? [ROLE] : []),
    teamRolesOf: (ids: string[]) => Promise.resolve(ids.includes('t1') ? [{ teamId: 't1', roleId: 'r1', createdAt: 0 }] : []),
    teamGrantsOf: (ids: string[]) => Promise.resolve(ids.includes('t1') ? [{ teamId: 't1', orgId: 'o1', project: 'web', stack: 'prod', permission: 103, createdAt: 0, modifiedAt: 0 }] : []),
  },
} as unknown as IdentityRepositories;

const ROLE_DEFINITION = { id: 'r1', name: 'deployer', scopes: ['stack:create'], stackRules: [{ target: { kind: 'tag', key: 'env', value: 'dev' }, permission: 102 }] };

function token(overrides: Partial<AccessTokenEntity>): AccessTokenEntity {
  return { id: 'k1', userId: null, orgId: 'o1', teamId: null, kind: 'organization', name: 'ci', description: '', tokenHash: 'h', createdAt: 0, lastUsedAt: null, expiresAt: null, revokedAt: null, admin: false, createdBy: null, ...overrides };
}

void describe('machine principals (organization and team tokens)', () => {
  void it('acts as the organization, a member or an admin', async () => {
    assert.deepEqual(await machinePrincipal(repos, token({})), {
      userId: '',
      login: 'acme',
      name: 'acme',
      email: '',
      avatarUrl: '',
      siteAdmin: false,
      organizations: [{ name: 'acme', role: 'member' }],
      teams: [],
      token: { id: 'k1', name: 'ci', kind: 'organization', organization: 'acme' },
      access: [{ organization: 'acme', role: 'member', settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS, roles: [], grants: [], teamsAdministered: [] }],
    });
    const admin = await machinePrincipal(repos, token({ admin: true }));
    assert.deepEqual(admin?.organizations, [{ name: 'acme', role: 'admin' }]);
    assert.equal(admin?.access?.[0]?.role, 'admin');
  });

  void it('carries an organization token\'s custom role, held by the token', async () => {
    const principal = await machinePrincipal(repos, token({ roleId: 'r1' }));
    assert.deepEqual(principal?.access?.[0]?.roles, [{ via: { kind: 'token' }, role: ROLE_DEFINITION }]);
    assert.equal(principal?.access?.[0]?.role, 'member');
  });

  void it('acts as the team, shown as the organization (as Pulumi Cloud does)', async () => {
    const principal = await machinePrincipal(repos, token({ kind: 'team', teamId: 't1', name: 'deploy' }));
    assert.equal(principal?.login, 'acme');
    assert.deepEqual(principal?.teams, [{ organization: 'acme', team: 'platform' }]);
    assert.deepEqual(principal?.token, { id: 'k1', name: 'deploy', kind: 'team', organization: 'acme', team: 'platform' });
    // What the team has: its stack permissions and its roles, held through the team.
    assert.deepEqual(principal?.access, [
      {
        organization: 'acme',
        role: 'member',
        settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS,
        roles: [{ via: { kind: 'team', team: 'platform' }, role: ROLE_DEFINITION }],
        grants: [{ via: { kind: 'team', team: 'platform' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 103 }],
        teamsAdministered: [],
      },
    ]);
  });

  void it('is nobody when the organization or team is gone, or they do not belong together', async () => {
    assert.equal(await machinePrincipal(repos, token({ orgId: 'gone' })), null);
    assert.equal(await machinePrincipal(repos, token({ kind: 'team', teamId: 'gone' })), null);
    assert.equal(await machinePrincipal(repos, token({ kind: 'team', teamId: 'tx' })), null);
    assert.equal(await machinePrincipal(repos, token({ kind: 'personal', userId: 'u1', orgId: null })), null);
  });

  void it('scopes names per person, and per organization for organization and team tokens alike', () => {
    assert.equal(accessTokenNameScope({ kind: 'personal', userId: 'u1', orgId: null }), 'user:u1');
    assert.equal(accessTokenNameScope({ kind: 'organization', userId: null, orgId: 'o1' }), 'org:o1');
    assert.equal(accessTokenNameScope({ kind: 'team', userId: null, orgId: 'o1' }), 'org:o1');
    assert.throws(() => accessTokenNameScope({ kind: 'team', userId: null, orgId: null }), /needs an organization/);
  });
});
