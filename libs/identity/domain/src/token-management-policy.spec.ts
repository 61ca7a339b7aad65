import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS, type Principal } from '@stackyard/shared-contracts';
import { mayManage } from './token-management-policy';

function principal(overrides: Partial<Principal>): Principal {
  return {
    userId: 'u1',
    login: 'alice',
    name: 'Alice',
    email: '',
    avatarUrl: '',
    siteAdmin: false,
    organizations: [],
    teams: [],
    token: { id: 't', name: 'laptop', kind: 'personal' },
    ...overrides,
  };
}

void describe('who may manage tokens and OIDC issuers', () => {
  const admin = principal({ organizations: [{ name: 'acme', role: 'admin' }] });
  const member = principal({ userId: 'u2', organizations: [{ name: 'acme', role: 'member' }] });
  const orgToken = (role: 'admin' | 'member') => principal({ userId: '', login: 'acme', organizations: [{ name: 'acme', role }], token: { id: 't2', name: 'ci', kind: 'organization', organization: 'acme' } });

  void it('lets a person manage their own personal tokens, and no one else', () => {
    assert.ok(mayManage(admin, { kind: 'personal-tokens', userId: 'u1' }));
    assert.ok(!mayManage(admin, { kind: 'personal-tokens', userId: 'u2' }));
    assert.ok(!mayManage(orgToken('admin'), { kind: 'personal-tokens', userId: '' }), 'an organization token is no person');
  });

  void it('lets organization admins (people or admin organization tokens) manage organization and team tokens and OIDC issuers', () => {
    for (const kind of ['organization-tokens', 'oidc-issuers'] as const) {
      assert.ok(mayManage(admin, { kind, organization: 'acme' }));
      assert.ok(mayManage(orgToken('admin'), { kind, organization: 'acme' }));
      assert.ok(!mayManage(member, { kind, organization: 'acme' }));
      assert.ok(!mayManage(orgToken('member'), { kind, organization: 'acme' }));
      assert.ok(!mayManage(admin, { kind, organization: 'other' }));
    }
    assert.ok(mayManage(admin, { kind: 'team-tokens', organization: 'acme', team: 'platform' }));
    assert.ok(!mayManage(principal({ teams: [{ organization: 'acme', team: 'platform' }], organizations: [{ name: 'acme', role: 'member' }] }), { kind: 'team-tokens', organization: 'acme', team: 'platform' }));
  });

  void it('follows RBAC: token:manage from a custom role, and team admins for their own team tokens', () => {
    const settings = DEFAULT_ORGANIZATION_ACCESS_SETTINGS;
    const tokenManager = principal({
      userId: 'u3',
      organizations: [{ name: 'acme', role: 'member' }],
      access: [{ organization: 'acme', role: 'member', settings, roles: [{ via: { kind: 'team', team: 'sec' }, role: { id: 'r', name: 'tokens', scopes: ['token:manage'], stackRules: [] } }], grants: [], teamsAdministered: [] }],
    });
    assert.ok(mayManage(tokenManager, { kind: 'organization-tokens', organization: 'acme' }));
    assert.ok(mayManage(tokenManager, { kind: 'oidc-issuers', organization: 'acme' }));
    const teamAdmin = principal({
      userId: 'u4',
      organizations: [{ name: 'acme', role: 'member' }],
      access: [{ organization: 'acme', role: 'member', settings, roles: [], grants: [], teamsAdministered: ['platform'] }],
    });
    assert.ok(mayManage(teamAdmin, { kind: 'team-tokens', organization: 'acme', team: 'platform' }));
    assert.ok(!mayManage(teamAdmin, { kind: 'team-tokens', organization: 'acme', team: 'other' }));
    assert.ok(!mayManage(teamAdmin, { kind: 'organization-tokens', organization: 'acme' }));
  });
});
