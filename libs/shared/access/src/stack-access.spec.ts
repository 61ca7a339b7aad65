import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ORGANIZATION_ACCESS_SETTINGS, type OrganizationAccess, type Principal } from '@stackyard/shared-contracts';
import { decideOrganization, decideTeam, organizationScopes } from './organization-access';
import { explainStackAccess } from './explain';
import { decideStack, type StackFacts, stackAccess } from './stack-access';

const STACK: StackFacts = { organization: 'acme', project: 'web', stack: 'prod', tags: { env: 'prod' }, createdBy: 'carol' };

function principal(access: Partial<OrganizationAccess> & { role?: 'admin' | 'member' }, extra: Partial<Principal> = {}): Principal {
  const org: OrganizationAccess = {
    organization: 'acme',
    role: access.role ?? 'member',
    settings: access.settings ?? { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 0 },
    roles: access.roles ?? [],
    grants: access.grants ?? [],
    teamsAdministered: access.teamsAdministered ?? [],
  };
  return {
    userId: 'u1',
    login: 'alice',
    name: 'Alice',
    email: '',
    avatarUrl: '',
    siteAdmin: false,
    organizations: [{ name: 'acme', role: org.role }],
    teams: [],
    token: { id: 't1', name: 'cli', kind: 'personal' },
    access: [org],
    ...extra,
  };
}

void describe('stackAccess', () => {
  void it('gives nothing to a member when the organization default is None', () => {
    const access = stackAccess(principal({}), STACK);
    assert.equal(access.permission, 0);
    assert.deepEqual(access.reasons, []);
    assert.deepEqual(decideStack(principal({}), STACK, 'stack:read'), { allowed: false, status: 404, message: "Stack 'acme/web/prod' not found" });
  });

  void it('is the union of every source, most permissive wins, and names each', () => {
    const p = principal({
      settings: { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 101 },
      grants: [
        { via: { kind: 'team', team: 'devs' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 102 },
        { via: { kind: 'team', team: 'ops' }, target: { kind: 'stack', project: 'web', stack: 'dev' }, permission: 103 },
      ],
    });
    const access = stackAccess(p, STACK);
    assert.equal(access.permission, 102);
    assert.deepEqual(
      access.reasons.map((r) => r.kind),
      ['organization-default', 'grant'],
    );
    assert.equal(decideStack(p, STACK, 'stack:update').allowed, true);
    const del = decideStack(p, STACK, 'stack:delete');
    assert.equal(del.allowed, false);
    assert.equal(!del.allowed && del.status, 403);
    assert.match(!del.allowed ? del.message : '', /you have Write access to stack 'acme\/web\/prod'; deleting the stack requires Admin/);
  });

  void it('makes organization admins and stack creators admins of the stack', () => {
    assert.equal(stackAccess(principal({ role: 'admin' }), STACK).permission, 103);
    const creator = principal({}, { login: 'carol' });
    assert.equal(stackAccess(creator, STACK).permission, 103);
    assert.equal(stackAccess(creator, STACK).reasons[0]?.kind, 'stack-creator');
    // An organization token named like the creator is no person.
    assert.equal(stackAccess(principal({}, { login: 'carol', userId: '' }), STACK).permission, 0);
  });

  void it('grants by tag while the stack carries the tag with that value, and not otherwise', () => {
    const p = principal({ grants: [{ via: { kind: 'team', team: 'prod-ops' }, target: { kind: 'tag', key: 'env', value: 'prod' }, permission: 102 }] });
    assert.equal(stackAccess(p, STACK).permission, 102);
    assert.equal(stackAccess(p, { ...STACK, tags: { env: 'dev' } }).permission, 0);
    assert.equal(stackAccess(p, { ...STACK, tags: {} }).permission, 0);
    // Tags named like Object.prototype members are data, not inherited properties.
    const proto = principal({ grants: [{ via: { kind: 'user' }, target: { kind: 'tag', key: 'constructor', value: 'x' }, permission: 101 }] });
    assert.equal(stackAccess(proto, { ...STACK, tags: {} }).permission, 0);
  });

  void it('applies custom roles: stack scopes everywhere, levels by rule, and a role of their own replaces the member default', () => {
    const role = { id: 'r1', name: 'auditor', scopes: ['stack:read' as const], stackRules: [{ target: { kind: 'tag' as const, key: 'env', value: 'prod' }, permission: 103 as const }] };
    const p = principal({ settings: { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 102 }, roles: [{ via: { kind: 'user' }, role }] });
    assert.equal(stackAccess(p, { ...STACK, tags: {} }).permission, 101, 'the default Write no longer applies; the role gives Read everywhere');
    assert.equal(stackAccess(p, STACK).permission, 103, 'the tag rule gives Admin on prod');
    // A team's role adds to the member default instead of replacing it.
    const viaTeam = principal({ settings: { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 102 }, roles: [{ via: { kind: 'team', team: 'a' }, role }] });
    assert.equal(stackAccess(viaTeam, { ...STACK, tags: {} }).permission, 102);
  });

  void it('lets only admins delete or transfer when the organization says so', () => {
    const settings = { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 0 as const, membersCanDeleteStacks: false, membersCanTransferStacks: false };
    const stackAdmin = principal({ settings, grants: [{ via: { kind: 'user' }, target: { kind: 'all' }, permission: 103 }] });
    assert.match(JSON.stringify(decideStack(stackAdmin, STACK, 'stack:delete')), /lets only its admins delete stacks/);
    assert.match(JSON.stringify(decideStack(stackAdmin, STACK, 'stack:transfer')), /lets only its admins transfer stacks/);
    assert.equal(decideStack(stackAdmin, STACK, 'stack:rename').allowed, true);
    assert.equal(decideStack(principal({ role: 'admin', settings }), STACK, 'stack:delete').allowed, true);
  });

  void it('treats a person’s own login as their namespace, and nobody else’s', () => {
    const p = principal({}, { organizations: [], access: [] });
    assert.equal(stackAccess(p, { ...STACK, organization: 'alice' }).permission, 103);
    assert.equal(stackAccess({ ...p, userId: '' }, { ...STACK, organization: 'alice' }).permission, 0);
    assert.equal(stackAccess(p, STACK).permission, 0);
  });

  void it('falls back to the membership role when identity sent no access profile', () => {
    const p = principal({});
    delete p.access;
    // Default settings: members Read everything.
    assert.equal(stackAccess(p, STACK).permission, 101);
  });
});

void describe('organization access', () => {
  void it('gives admins everything, members what the settings allow, roles their scopes', () => {
    assert.equal(organizationScopes(principal({ role: 'admin' }), 'acme').has('audit_log:read'), true);
    const member = principal({});
    assert.deepEqual([...organizationScopes(member, 'acme')].sort(), ['organization:read', 'stack:create']);
    const withRole = principal({ roles: [{ via: { kind: 'team', team: 'sec' }, role: { id: 'r', name: 'sec', scopes: ['audit_log:read'], stackRules: [] } }] });
    assert.equal(decideOrganization(withRole, 'acme', 'audit_log:read').allowed, true);
    assert.deepEqual(decideOrganization(member, 'acme', 'audit_log:read'), {
      allowed: false,
      status: 403,
      message: "reading the audit log in organization 'acme' needs the 'audit_log:read' permission, which you do not have",
    });
    assert.equal(decideOrganization(member, 'other', 'organization:read').allowed, false);
    assert.equal((decideOrganization(member, 'other', 'organization:read') as { status: number }).status, 404);
  });

  void it('lets team admins manage their own team only', () => {
    const p = principal({ teamsAdministered: ['devs'] });
    assert.equal(decideTeam(p, 'acme', 'devs').allowed, true);
    assert.equal(decideTeam(p, 'acme', 'ops').allowed, false);
  });
});

void describe('explainStackAccess', () => {
  void it('answers per action exactly what the routes would', () => {
    const p = principal({ grants: [{ via: { kind: 'team', team: 'devs' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 101 }] });
    const explained = explainStackAccess(p, STACK);
    assert.equal(explained.permission, 101);
    assert.deepEqual(explained.scopes, ['stack:read']);
    assert.deepEqual(explained.reasons, [{ kind: 'grant', via: { kind: 'team', team: 'devs' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 101 }]);
    assert.deepEqual(
      explained.actions.map((a) => [a.action, a.allowed, a.status]),
      [
        ['stack:read', true, undefined],
        ['stack:update', false, 403],
        ['stack:delete', false, 403],
        ['stack:rename', false, 403],
        ['stack:transfer', false, 403],
        ['stack:access', false, 403],
      ],
    );
  });
});

void describe('machine principals', () => {
  void it('gives a team token what its team holds, not the members’ default', () => {
    const settings = { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, defaultStackPermission: 102 as const };
    const teamToken = principal({ settings }, { userId: '', login: 'acme', token: { id: 't', name: 'ci', kind: 'team', organization: 'acme', team: 'devs' } });
    assert.equal(stackAccess(teamToken, STACK).permission, 0);
    const orgToken = principal({ settings }, { userId: '', login: 'acme', token: { id: 't', name: 'ci', kind: 'organization', organization: 'acme' } });
    assert.equal(stackAccess(orgToken, STACK).permission, 102);
  });
});
