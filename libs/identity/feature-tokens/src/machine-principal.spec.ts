import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessTokenEntity } from './access-token.entity';
import { accessTokenNameScope } from './access-token-scope';
import type { IdentityRepositories } from './identity.database';
import { machinePrincipal } from './machine-principal';

const repos = {
  organizations: { findById: (id: string) => Promise.resolve(id === 'o1' ? { id: 'o1', name: 'acme', createdAt: 0 } : null) },
  teams: { findById: (id: string) => Promise.resolve(id === 't1' ? { id: 't1', orgId: 'o1', name: 'platform', createdAt: 0 } : id === 'tx' ? { id: 'tx', orgId: 'o2', name: 'elsewhere', createdAt: 0 } : null) },
} as unknown as IdentityRepositories;

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
    });
    assert.deepEqual((await machinePrincipal(repos, token({ admin: true })))?.organizations, [{ name: 'acme', role: 'admin' }]);
  });

  void it('acts as the team, shown as the organization (as Pulumi Cloud does)', async () => {
    const principal = await machinePrincipal(repos, token({ kind: 'team', teamId: 't1', name: 'deploy' }));
    assert.equal(principal?.login, 'acme');
    assert.deepEqual(principal?.teams, [{ organization: 'acme', team: 'platform' }]);
    assert.deepEqual(principal?.token, { id: 'k1', name: 'deploy', kind: 'team', organization: 'acme', team: 'platform' });
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
