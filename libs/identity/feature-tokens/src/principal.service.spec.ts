import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashAccessToken } from '@stackyard/identity-domain';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { AccessTokenEntity } from './access-token.entity';
import type { AuditTrail } from './audit-trail';
import type { IdentityDatabase } from './identity.database';
import { LAST_USED_RESOLUTION_MS, PrincipalService } from './principal.service';
import type { UserEntity } from './user.entity';

const user: UserEntity = { id: 'u1', login: 'alice', name: 'Alice', email: 'a@example.test', avatarUrl: '', siteAdmin: false, createdAt: 0 };

function tokenRow(overrides: Partial<AccessTokenEntity> = {}): AccessTokenEntity {
  return {
    id: 't1',
    userId: 'u1',
    orgId: null,
    kind: 'personal',
    name: 'laptop',
    tokenHash: hashAccessToken('pul-x'),
    description: '',
    createdAt: 0,
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function setup(row: AccessTokenEntity | null, now = 1_000_000) {
  const touches: Array<{ id: string; now: number; notSince: number }> = [];
  const database = {
    repositories: {
      tokens: {
        findByHash: (hash: string) => Promise.resolve(row && row.tokenHash === hash ? row : null),
        touchLastUsed: (id: string, at: number, notSince: number) => {
          touches.push({ id, now: at, notSince });
          return Promise.resolve();
        },
      },
      users: { findById: (id: string) => Promise.resolve(id === user.id ? user : null) },
      memberships: { membershipsOf: () => Promise.resolve([{ name: 'acme', orgId: 'o1', role: 'member' as const, roleId: 'r1' }]) },
      teams: { teamRowsOf: () => Promise.resolve([{ organization: 'acme', team: 'platform', teamId: 't1', orgId: 'o1' }]) },
      accessControl: {
        settingsOf: (ids: string[]) => Promise.resolve(new Map(ids.map((id) => [id, { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 0 }]))),
        teamRolesOf: () => Promise.resolve([{ teamId: 't1', roleId: 'r2', createdAt: 0 }]),
        teamGrantsOf: () => Promise.resolve([{ teamId: 't1', orgId: 'o1', project: 'web', stack: 'prod', permission: 102 }]),
        userGrantsOf: () => Promise.resolve([{ orgId: 'o1', userId: 'u1', project: 'web', stack: 'dev', permission: 103 }]),
        teamsAdministeredBy: () => Promise.resolve(['t1']),
        rolesByIds: (ids: string[]) => Promise.resolve(ids.map((id) => ({ id, orgId: 'o1', name: `role-${id}`, scopes: ['audit_log:read'], stackRules: [] }))),
      },
      organizations: { findById: (id: string) => Promise.resolve(id === 'o1' ? { id: 'o1', name: 'acme', createdAt: 0 } : null) },
    },
  };
  const sut = new PrincipalService(database as unknown as IdentityDatabase, { defaultOrganization: 'stackyard', now: () => now }, { record: () => Promise.resolve() } as unknown as AuditTrail);
  return { sut, touches };
}

async function rejectsWith(promise: Promise<unknown>, status: number, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof ApiError && error.status === status && pattern.test(error.message));
}

void describe(PrincipalService.name, () => {
  void it('resolves a valid token to its user, organizations and token info', async () => {
    const { sut } = setup(tokenRow());
    const principal = await sut.resolve({ tokenHash: hashAccessToken('pul-x') });
    assert.deepEqual(principal, {
      userId: 'u1',
      login: 'alice',
      name: 'Alice',
      email: 'a@example.test',
      avatarUrl: '',
      siteAdmin: false,
      organizations: [{ name: 'acme', role: 'member' }],
      teams: [{ organization: 'acme', team: 'platform' }],
      token: { id: 't1', name: 'laptop', kind: 'personal' },
      access: [
        {
          organization: 'acme',
          role: 'member',
          settings: { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 0 },
          roles: [
            { via: { kind: 'user' }, role: { id: 'r1', name: 'role-r1', scopes: ['audit_log:read'], stackRules: [] } },
            { via: { kind: 'team', team: 'platform' }, role: { id: 'r2', name: 'role-r2', scopes: ['audit_log:read'], stackRules: [] } },
          ],
          grants: [
            { via: { kind: 'team', team: 'platform' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 102 },
            { via: { kind: 'user' }, target: { kind: 'stack', project: 'web', stack: 'dev' }, permission: 103 },
          ],
          teamsAdministered: ['platform'],
        },
      ],
    });
  });

  void it('names the organization of an organization token', async () => {
    const { sut } = setup(tokenRow({ kind: 'organization', orgId: 'o1' }));
    assert.deepEqual((await sut.resolve({ tokenHash: hashAccessToken('pul-x') })).token, { id: 't1', name: 'laptop', kind: 'organization', organization: 'acme' });
  });

  void it('answers 401 "Unauthorized: …" for unknown, revoked and expired tokens', async () => {
    await rejectsWith(setup(null).sut.resolve({ tokenHash: hashAccessToken('nope') }), 401, /^Unauthorized: the access token is not recognised$/);
    await rejectsWith(setup(tokenRow({ revokedAt: 5 })).sut.resolve({ tokenHash: hashAccessToken('pul-x') }), 401, /revoked/);
    await rejectsWith(setup(tokenRow({ expiresAt: 1_000_000 }), 1_000_000).sut.resolve({ tokenHash: hashAccessToken('pul-x') }), 401, /expired/);
  });

  void it('accepts a token until the millisecond it expires', async () => {
    const { sut } = setup(tokenRow({ expiresAt: 1_000_001 }), 1_000_000);
    assert.equal((await sut.resolve({ tokenHash: hashAccessToken('pul-x') })).userId, 'u1');
  });

  void it('answers 400 for a missing or malformed hash (a caller bug, not a bad token)', async () => {
    const { sut } = setup(tokenRow());
    await rejectsWith(sut.resolve(undefined), 400, /tokenHash/);
    await rejectsWith(sut.resolve({ tokenHash: 'pul-x' }), 400, /tokenHash/);
    await rejectsWith(sut.resolve({ tokenHash: hashAccessToken('pul-x').toUpperCase() }), 400, /tokenHash/);
  });

  void it('records use at most once per minute per token', async () => {
    const fresh = setup(tokenRow({ lastUsedAt: null }), 1_000_000);
    await fresh.sut.resolve({ tokenHash: hashAccessToken('pul-x') });
    assert.deepEqual(fresh.touches, [{ id: 't1', now: 1_000_000, notSince: 1_000_000 - LAST_USED_RESOLUTION_MS + 1 }]);

    const recent = setup(tokenRow({ lastUsedAt: 1_000_000 - LAST_USED_RESOLUTION_MS + 1 }), 1_000_000);
    await recent.sut.resolve({ tokenHash: hashAccessToken('pul-x') });
    assert.equal(recent.touches.length, 0);

    const stale = setup(tokenRow({ lastUsedAt: 1_000_000 - LAST_USED_RESOLUTION_MS }), 1_000_000);
    await stale.sut.resolve({ tokenHash: hashAccessToken('pul-x') });
    assert.equal(stale.touches.length, 1);
  });
});
