import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken, hashAccessToken } from '@stackyard/identity-domain';
import {
  type AccessTokenOwner,
  type CreateAccessTokenResponse,
  DEFAULT_ORGANIZATION_ACCESS_SETTINGS,
  IDENTITY_ACCESS_TOKENS_CREATE_PATH,
  IDENTITY_RESOLVE_PATH,
  type IdentityAccessOperation,
  identityAccessPath,
  identityMemberAccessPath,
  identityStackGrantsMovedPath,
  type ListOrganizationMembersResponse,
  type ListRolesResponse,
  type ListTeamsResponse,
  type MemberAccessResponse,
  type OrganizationMemberResponse,
  type OrganizationMetadataResponse,
  type OrganizationResponse,
  type Principal,
  type RoleHoldersResponse,
  type RoleRecordResponse,
  type RoleScopesResponse,
  type StackTeamGrantsResponse,
  type StackUserGrantsResponse,
  type TeamResponse,
} from '@stackyard/shared-contracts';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { tempDir } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';

const ORG = 'stackyard';

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  });
}

/**
 * RBAC in identity on both engines: the schema (migration AccessControl), what principal
 * resolution puts in `Principal.access`, and the internal routes behind Pulumi's organization,
 * member, team, role and stack-grant REST surface — who may do what (404 outsiders, 403 members
 * lacking the permission), the rules (one admin always remains, one operation per team PATCH) and
 * the audit events each change leaves.
 */
for (const engine of databaseEngines()) {
  void describe(`access control on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let running: RunningIdentity;
    let api: InternalClient;
    const adminToken = generateAccessToken();
    const tokens: Record<string, string> = {};

    const op = <T = unknown>(operation: IdentityAccessOperation, token: string, extra: object = {}) => api.post<T>(identityAccessPath(ORG, operation), { ...extra, actorTokenHash: hashAccessToken(token), sourceIp: '127.0.0.1' });
    const resolve = (token: string) => api.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: hashAccessToken(token) });
    const accessOf = async (token: string) => {
      const access = (await resolve(token)).access?.find((a) => a.organization === ORG);
      assert.ok(access, 'the principal carries an access profile for the organization');
      return access;
    };
    const createToken = (token: string, owner: AccessTokenOwner, request: object) => api.post<CreateAccessTokenResponse>(IDENTITY_ACCESS_TOKENS_CREATE_PATH, { owner, request, actorTokenHash: hashAccessToken(token) });
    const audited = async (event: string): Promise<string[]> =>
      (await running.dataSource.query<Array<{ description: string }>>('SELECT description FROM audit_log WHERE event = ? AND organization = ? ORDER BY sequence', [event, ORG])).map((r) => r.description);
    /** A person with a token; new people become members of the organization. */
    const person = async (login: string) => (tokens[login] = (await api.post<{ token: string }>('/internal/v1/tokens', { login, name: 'laptop' })).token);

    before(async () => {
      dir = tempDir('stackyard-access-control-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      running = await startIdentity(
        loadIdentityConfig({
          STACKYARD_DATABASE_URL: await engine.newDatabaseUrl(dir, 'identity'),
          STACKYARD_PORT: '0',
          STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
          STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
          STACKYARD_INTERNAL_CA_FILE: pki.caFile,
          STACKYARD_BOOTSTRAP_ADMIN_TOKEN: adminToken,
          STACKYARD_LOG_FORMAT: 'json',
        }),
      );
      api = clientAs(pki, 'api', running.url);
      for (const login of ['bob', 'carol', 'dave']) await person(login);
    });

    after(async () => {
      api?.close();
      await running?.close();
      await engine.stop();
    });

    void it('resolves every principal with its access profile: the built-in role and the default settings', async () => {
      assert.deepEqual(await accessOf(adminToken), { organization: ORG, role: 'admin', settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS, roles: [], grants: [], teamsAdministered: [] });
      assert.equal((await accessOf(tokens['bob'])).role, 'member');
    });

    void describe('organization settings', () => {
      void it('shows members the settings and lets only holders of organization:settings change them', async () => {
        const metadata = await op<OrganizationMetadataResponse>('organization/metadata', tokens['bob']);
        assert.deepEqual(metadata, { ...DEFAULT_ORGANIZATION_ACCESS_SETTINGS, memberCount: 4, defaultRoleId: 'builtin-member' });
        const org = await op<OrganizationResponse>('organization/get', tokens['bob']);
        assert.equal(org.githubLogin, ORG);
        assert.deepEqual(org.metadata, metadata);
        await rejectsWithStatus(op('organization/update', tokens['bob'], { request: { setDefaultStackPermission: 0 } }), 403, /needs the 'organization:settings' permission/);
        // Exactly the body of Pulumi's UpdateOrganizationRequest (provider apitype/update_organization_request_.go).
        const updated = await op<OrganizationMetadataResponse>('organization/update', adminToken, { request: { setDefaultStackPermission: 0, setMembersCanCreateTeams: true } });
        assert.equal(updated.defaultStackPermission, 0);
        assert.equal(updated.membersCanCreateTeams, true);
        assert.equal((await accessOf(tokens['bob'])).settings.defaultStackPermission, 0, 'the next resolution carries the new settings');
        await rejectsWithStatus(op('organization/update', adminToken, { request: { setDefaultStackPermission: 7 } }), 400, /setDefaultStackPermission must be/);
        assert.match((await audited('organization_settings_changed'))[0] ?? '', /defaultStackPermission=0, membersCanCreateTeams=true/);
      });

      void it('hides the organization from people outside it (404, like a missing one)', async () => {
        const outsider = generateAccessToken();
        await running.dataSource.query('INSERT INTO users (id, login, name, email, avatar_url, site_admin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [randomUUID(), 'outsider', 'Out Sider', '', '', 0, Date.now()]);
        const [{ id }] = await running.dataSource.query<Array<{ id: string }>>("SELECT id FROM users WHERE login = 'outsider'");
        await running.dataSource.query("INSERT INTO access_tokens (id, user_id, org_id, kind, name, name_scope, description, token_hash, created_at, admin) VALUES (?, ?, NULL, 'personal', 'cli', ?, '', ?, ?, ?)", [
          randomUUID(),
          id,
          `user:${id}`,
          hashAccessToken(outsider),
          Date.now(),
          0,
        ]);
        tokens['outsider'] = outsider;
        await rejectsWithStatus(op('organization/metadata', outsider), 404, /Organization 'stackyard' not found/);
        await rejectsWithStatus(op('teams/list', outsider), 404, /not found/);
        await rejectsWithStatus(op('members/list', generateAccessToken()), 401, /not recognised/);
      });
    });

    void describe('members', () => {
      void it('lists members with their built-in role as a role record, and pages with a continuation token', async () => {
        const page = await op<ListOrganizationMembersResponse>('members/list', tokens['bob']);
        assert.equal(page.continuationToken, undefined);
        const admin = page.members.find((m) => m.user.githubLogin === 'admin');
        assert.equal(admin?.role, 'admin');
        assert.deepEqual({ ...admin?.fgaRole, modifiedAt: undefined }, { id: 'builtin-admin', name: 'Admin', modifiedAt: undefined });
        assert.deepEqual(
          page.members.map((m) => m.user.githubLogin),
          ['admin', 'bob', 'carol', 'dave'],
        );
        // 120 more members: two pages.
        const [{ id: orgId }] = await running.dataSource.query<Array<{ id: string }>>('SELECT id FROM organizations WHERE name = ?', [ORG]);
        for (let i = 0; i < 120; i++) {
          const id = randomUUID();
          await running.dataSource.query('INSERT INTO users (id, login, name, email, avatar_url, site_admin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [id, `zz-${String(i).padStart(3, '0')}`, '', '', '', 0, Date.now()]);
          await running.dataSource.query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'member', ?)", [orgId, id, Date.now()]);
        }
        const first = await op<ListOrganizationMembersResponse>('members/list', tokens['bob']);
        assert.equal(first.members.length, 100);
        assert.ok(first.continuationToken);
        const second = await op<ListOrganizationMembersResponse>('members/list', tokens['bob'], { continuationToken: first.continuationToken });
        assert.equal(second.members.length, 24);
        assert.equal(second.continuationToken, undefined);
        assert.equal(new Set([...first.members, ...second.members].map((m) => m.user.githubLogin)).size, 124);
        await rejectsWithStatus(op('members/list', tokens['bob'], { continuationToken: '%%%' }), 400, /continuationToken/);
        await running.dataSource.query("DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE login LIKE 'zz-%')");
      });

      void it('adds existing users, changes roles (built-in and custom, as fgaRoleId) and removes members; only admins make admins', async () => {
        await rejectsWithStatus(op('members/add', tokens['bob'], { login: 'outsider', request: { role: 'member' } }), 403, /'member:manage'/);
        const added = await op<OrganizationMemberResponse>('members/add', adminToken, { login: 'outsider', request: { role: 'member' } });
        assert.deepEqual([added.role, added.user.githubLogin, added.fgaRole.name], ['member', 'outsider', 'Member'], 'answers the new member');
        await rejectsWithStatus(op('members/add', adminToken, { login: 'outsider', request: { role: 'member' } }), 409, /already a member/);
        await rejectsWithStatus(op('members/add', adminToken, { login: 'nobody', request: { role: 'member' } }), 404, /User 'nobody' not found/);
        await rejectsWithStatus(op('members/add', adminToken, { login: 'bob', request: { role: 'billing-manager' } }), 400, /billing-manager is not supported/);
        assert.equal((await accessOf(tokens['outsider'])).role, 'member');
        // What the provider sends for `role: admin`: the built-in role's id (members.go UpdateOrgMemberRole).
        await op('members/update', adminToken, { login: 'carol', request: { fgaRoleId: 'builtin-admin' } });
        assert.equal((await accessOf(tokens['carol'])).role, 'admin');
        await op('members/update', adminToken, { login: 'carol', request: { role: 'member' } });
        assert.equal((await accessOf(tokens['carol'])).role, 'member');
        // A member with member:manage (through a custom role) still cannot make admins.
        const role = await op<RoleRecordResponse>('roles/create', adminToken, { request: { name: 'people-ops', description: 'manages members', scopes: ['member:manage'] } });
        await op('members/update', adminToken, { login: 'dave', request: { fgaRoleId: role.id } });
        const dave = await accessOf(tokens['dave']);
        assert.deepEqual(dave.roles, [{ via: { kind: 'user' }, role: { id: role.id, name: 'people-ops', scopes: ['member:manage'], stackRules: [] } }]);
        await rejectsWithStatus(op('members/update', tokens['dave'], { login: 'bob', request: { role: 'admin' } }), 403, /only admins of organization 'stackyard' may make someone an admin/);
        await rejectsWithStatus(op('members/update', adminToken, { login: 'bob', request: { fgaRoleId: 'no-such-role' } }), 400, /has no role 'no-such-role'/);
        const members = await op<ListOrganizationMembersResponse>('members/list', tokens['bob']);
        assert.deepEqual(members.members.find((m) => m.user.githubLogin === 'dave')?.fgaRole.id, role.id);
        await op('members/remove', tokens['dave'], { login: 'outsider' });
        assert.deepEqual((await resolve(tokens['outsider'])).organizations, []);
        assert.deepEqual(await audited('member_added'), ["Added outsider to organization stackyard as member"]);
        assert.equal((await audited('member_role_changed')).length, 3);
        assert.deepEqual(await audited('member_removed'), ['Removed outsider from organization stackyard']);
      });

      void it('always keeps one admin', async () => {
        await rejectsWithStatus(op('members/update', adminToken, { login: 'admin', request: { role: 'member' } }), 400, /last admin/);
        await rejectsWithStatus(op('members/remove', adminToken, { login: 'admin' }), 400, /at least one admin/);
      });
    });

    void describe('teams', () => {
      void it('lets members create teams when the settings allow it, making the creator the team admin', async () => {
        // The body the provider sends (teams.go createTeamRequest).
        const team = await op<TeamResponse>('teams/create', tokens['bob'], { request: { organization: ORG, teamType: 'pulumi', name: 'platform', displayName: 'Platform', description: 'Runs the platform' } });
        assert.deepEqual({ ...team, members: team.members?.map((m) => [m.githubLogin, m.role]) }, {
          kind: 'pulumi',
          name: 'platform',
          displayName: 'Platform',
          description: 'Runs the platform',
          userRole: 'admin',
          members: [['bob', 'admin']],
          stacks: [],
          environments: [],
          accounts: [],
          roleIds: [],
        });
        assert.deepEqual((await accessOf(tokens['bob'])).teamsAdministered, ['platform']);
        await rejectsWithStatus(op('teams/create', tokens['bob'], { request: { name: 'platform' } }), 409, /already has a team named 'platform'/);
        await rejectsWithStatus(op('teams/create', tokens['bob'], { request: { name: '../x' } }), 400, /name must be/);
        await op('organization/update', adminToken, { request: { setMembersCanCreateTeams: false } });
        await rejectsWithStatus(op('teams/create', tokens['bob'], { request: { name: 'other' } }), 403, /'team:create'/);
        const list = await op<ListTeamsResponse>('teams/list', tokens['carol']);
        assert.deepEqual(
          list.teams.map((t) => [t.name, t.userRole]),
          [['platform', 'none']],
        );
      });

      void it('lets a team admin manage members and stack permissions, one operation per call, and shows them in the principal', async () => {
        const patch = (token: string, request: object) => op('teams/update', token, { team: 'platform', request });
        await rejectsWithStatus(patch(tokens['carol'], { memberAction: 'add', member: 'carol' }), 403, /'team:manage'/);
        await patch(tokens['bob'], { memberAction: 'add', member: 'carol' });
        await rejectsWithStatus(patch(tokens['bob'], { memberAction: 'add', member: 'carol' }), 409, /already a member/);
        await rejectsWithStatus(patch(tokens['bob'], { memberAction: 'add', member: 'outsider' }), 400, /not a member of organization/);
        await patch(tokens['bob'], { addStackPermission: { projectName: 'web', stackName: 'prod', permission: 102 } });
        await patch(tokens['bob'], { newDisplayName: 'The Platform', newDescription: 'Keeps it running' });
        const carol = await accessOf(tokens['carol']);
        assert.deepEqual(carol.grants, [{ via: { kind: 'team', team: 'platform' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 102 }]);
        assert.deepEqual((await resolve(tokens['carol'])).teams, [{ organization: ORG, team: 'platform' }]);
        await patch(tokens['bob'], { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 103 } });
        await rejectsWithStatus(patch(tokens['bob'], { editStackPermission: { projectName: 'web', stackName: 'dev', permission: 103 } }), 404, /no permission on stack 'web\/dev'/);
        await patch(tokens['bob'], { memberAction: 'promote', member: 'carol' });
        const team = await op<TeamResponse>('teams/get', tokens['carol'], { team: 'platform' });
        assert.deepEqual(team.stacks, [{ projectName: 'web', stackName: 'prod', permission: 103 }]);
        assert.deepEqual(team.members?.map((m) => [m.githubLogin, m.role]), [['bob', 'admin'], ['carol', 'admin']]);
        assert.equal(team.displayName, 'The Platform');
        assert.equal(team.userRole, 'admin');
        await patch(tokens['carol'], { memberAction: 'demote', member: 'carol' });
        await rejectsWithStatus(patch(tokens['bob'], { memberAction: 'add', member: 'dave', removeStack: { projectName: 'web', stackName: 'prod' } }), 400, /one operation per call/);
        await rejectsWithStatus(patch(tokens['bob'], { addEnvironmentPermission: { envName: 'e', projectName: 'p', permission: 'read' } }), 400, /no environments/);
        assert.deepEqual(await audited('team_stack_permission_added'), ['Gave team platform of organization stackyard Write on stack stackyard/web/prod']);
        assert.deepEqual(await audited('team_stack_permission_changed'), ['Changed the permission of team platform of organization stackyard on stack stackyard/web/prod from Write to Admin']);
        assert.deepEqual(await audited('team_member_added'), ['Added carol to team platform of organization stackyard']);
        assert.equal((await audited('team_admin_added')).length, 1);
        assert.equal((await audited('team_admin_removed')).length, 1);
        assert.equal((await audited('team_created')).length, 1);
      });

      void it('gives team tokens their team’s grants and roles, and lets team admins manage them', async () => {
        const teamToken = await createToken(tokens['bob'], { kind: 'team', organization: ORG, team: 'platform' }, { name: 'platform-ci' });
        const access = await accessOf(teamToken.tokenValue);
        assert.equal(access.role, 'member');
        assert.deepEqual(access.grants, [{ via: { kind: 'team', team: 'platform' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 103 }]);
        await rejectsWithStatus(createToken(tokens['carol'], { kind: 'team', organization: ORG, team: 'platform' }, { name: 'carols' }), 403, /may manage the team's access tokens/);
        await rejectsWithStatus(createToken(tokens['bob'], { kind: 'organization', organization: ORG }, { name: 'bobs' }), 403, /'token:manage'/);
      });

      void it('assigns custom roles to teams (role:manage and team:manage), which their members then hold', async () => {
        const role = await op<RoleRecordResponse>('roles/create', adminToken, { request: { name: 'auditor', scopes: ['audit_log:read'], stackRules: [{ target: { kind: 'tag', key: 'env', value: 'prod' }, permission: 101 }] } });
        await rejectsWithStatus(op('teams/roles/add', tokens['bob'], { team: 'platform', roleId: role.id }), 403, /'role:manage'/);
        await op('teams/roles/add', adminToken, { team: 'platform', roleId: role.id });
        await rejectsWithStatus(op('teams/roles/add', adminToken, { team: 'platform', roleId: 'builtin-admin' }), 400, /built-in roles are not assigned to teams/);
        await rejectsWithStatus(op('teams/roles/add', adminToken, { team: 'platform', roleId: 'nope' }), 404, /Role 'nope' not found/);
        assert.deepEqual((await op<ListRolesResponse>('teams/roles/list', tokens['carol'], { team: 'platform' })).roles.map((r) => r.name), ['auditor']);
        const carol = await accessOf(tokens['carol']);
        assert.deepEqual(carol.roles, [{ via: { kind: 'team', team: 'platform' }, role: { id: role.id, name: 'auditor', scopes: ['audit_log:read'], stackRules: [{ target: { kind: 'tag', key: 'env', value: 'prod' }, permission: 101 }] } }]);
        assert.deepEqual((await op<TeamResponse>('teams/get', tokens['carol'], { team: 'platform' })).roleIds, [role.id]);
        await op('teams/roles/remove', adminToken, { team: 'platform', roleId: role.id });
        await rejectsWithStatus(op('teams/roles/remove', adminToken, { team: 'platform', roleId: role.id }), 404, /does not have role/);
        assert.deepEqual((await accessOf(tokens['carol'])).roles, []);
      });
    });

    void describe('roles', () => {
      let deployer: RoleRecordResponse;

      void it('creates roles from the provider’s descriptor trees and lists them after the built-in roles', async () => {
        // buildAllowPermissions + buildStackScopedPermissions output (provider functions/role_permissions.go), grouped.
        deployer = await op<RoleRecordResponse>('roles/create', adminToken, {
          stackNames: { 'b1d4c0de-0000-4000-8000-000000000001': { project: 'web', stack: 'staging' } },
          request: {
            name: 'deployer',
            description: 'deploys staging',
            resourceType: 'organization',
            uxPurpose: 'role',
            details: {
              __type: 'PermissionDescriptorGroup',
              entries: [
                { __type: 'PermissionDescriptorAllow', permissions: ['stack:create', 'org_token:read'] },
                {
                  __type: 'PermissionDescriptorCondition',
                  condition: { __type: 'PermissionExpressionEqual', left: { __type: 'PermissionExpressionStack' }, right: { __type: 'PermissionLiteralExpressionStack', identity: 'b1d4c0de-0000-4000-8000-000000000001' } },
                  subNode: { __type: 'PermissionDescriptorAllow', permissions: ['stack:read', 'stack:write'] },
                },
              ],
            },
          },
        });
        assert.deepEqual(deployer.scopes, ['stack:create', 'token:manage']);
        assert.deepEqual(deployer.stackRules, [{ target: { kind: 'stack', project: 'web', stack: 'staging' }, permission: 102 }]);
        assert.equal((deployer.details as { __type: string }).__type, 'PermissionDescriptorGroup', 'the tree is answered as sent');
        assert.equal(deployer.version, 1);
        const listed = await op<ListRolesResponse>('roles/list', tokens['bob'], { uxPurpose: 'role' });
        assert.deepEqual(
          listed.roles.map((r) => [r.name, r.defaultIdentifier ?? null]),
          [['Admin', 'admin'], ['Member', 'member'], ['auditor', null], ['deployer', null], ['people-ops', null]],
        );
        assert.deepEqual((await op<ListRolesResponse>('roles/list', tokens['bob'], { uxPurpose: 'policy' })).roles, []);
        await rejectsWithStatus(op('roles/create', adminToken, { request: { name: 'deployer', scopes: ['stack:read'] } }), 409, /already has a role named 'deployer'/);
        await rejectsWithStatus(op('roles/create', adminToken, { request: { name: 'env', details: { __type: 'PermissionDescriptorAllow', permissions: ['environment:open'] } } }), 400, /'environment:open' has no equivalent/);
        await rejectsWithStatus(op('roles/create', tokens['bob'], { request: { name: 'mine', scopes: ['stack:read'] } }), 403, /'role:manage'/);
        await rejectsWithStatus(op('roles/create', adminToken, { request: { name: 'empty' } }), 400, /give the role a definition/);
        const scopes = await op<RoleScopesResponse>('roles/scopes', tokens['bob']);
        assert.ok(scopes['organization']?.[0]?.scopes.some((s) => s.name === 'role:manage'));
      });

      void it('changes and reads roles, and reports who holds them', async () => {
        const updated = await op<RoleRecordResponse>('roles/update', adminToken, { roleId: deployer.id, request: { description: 'deploys', details: { __type: 'PermissionDescriptorAllow', permissions: ['stack:create'] } } });
        assert.equal(updated.version, 2);
        assert.deepEqual(updated.scopes, ['stack:create']);
        assert.deepEqual(updated.stackRules, []);
        assert.equal((await op<RoleRecordResponse>('roles/get', tokens['bob'], { roleId: deployer.id })).description, 'deploys');
        assert.equal((await op<RoleRecordResponse>('roles/get', tokens['bob'], { roleId: 'builtin-member' })).isOrgDefault, true);
        await rejectsWithStatus(op('roles/update', adminToken, { roleId: 'builtin-admin', request: { name: 'x' } }), 400, /built-in roles cannot be changed/);
        // An organization token created with this role (`roleID`, provider apitype/create_org_access_token_request_.go).
        const orgToken = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'deploy-bot', description: '', admin: false, roleID: deployer.id });
        const access = await accessOf(orgToken.tokenValue);
        assert.equal(access.role, 'member');
        assert.deepEqual(access.roles.map((r) => [r.via.kind, r.role.name]), [['token', 'deployer']]);
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'bad-role', roleID: 'nope' }), 400, /roleID: .*has no role 'nope'/);
        await op('members/update', adminToken, { login: 'bob', request: { fgaRoleId: deployer.id } });
        assert.deepEqual((await op<RoleHoldersResponse>('roles/holders', tokens['bob'], { roleId: deployer.id, holders: 'users' })).users?.map((u) => u.githubLogin), ['bob']);
        assert.deepEqual((await op<RoleHoldersResponse>('roles/holders', tokens['bob'], { roleId: deployer.id, holders: 'tokens' })).tokens?.map((t) => t.name), ['deploy-bot']);
        assert.deepEqual((await op<RoleHoldersResponse>('roles/holders', tokens['bob'], { roleId: deployer.id, holders: 'teams' })).teams, []);
        // Built-in roles by the ids `roles/list` gives them: members on the role without one of their own, and tokens.
        const holdersOf = async (roleId: string, holders: 'users' | 'teams' | 'tokens') => op<RoleHoldersResponse>('roles/holders', tokens['bob'], { roleId, holders });
        const admins = (await holdersOf('builtin-admin', 'users')).users?.map((u) => u.githubLogin) ?? [];
        const members = (await holdersOf('builtin-member', 'users')).users?.map((u) => u.githubLogin) ?? [];
        assert.ok(admins.length >= 1 && members.length >= 1, `${admins.length} admins, ${members.length} members`);
        assert.ok(!members.includes('bob') && !admins.includes('bob'), 'bob holds his custom role, not a built-in one');
        assert.deepEqual(admins.filter((login) => members.includes(login)), []);
        assert.deepEqual((await holdersOf('builtin-admin', 'teams')).teams, []);
        assert.ok(!(await holdersOf('builtin-member', 'tokens')).tokens?.some((t) => t.name === 'deploy-bot'), 'a token with a custom role does not hold Member');
      });

      void it('deletes a role only when forced while it is held; holders fall back to the built-in member role', async () => {
        await rejectsWithStatus(op('roles/delete', adminToken, { roleId: deployer.id }), 409, /held by 1 member\(s\), 0 team\(s\) and 1 token\(s\)/);
        await op('roles/delete', adminToken, { roleId: deployer.id, force: true });
        const bob = await accessOf(tokens['bob']);
        assert.equal(bob.role, 'member');
        assert.deepEqual(bob.roles, []);
        await rejectsWithStatus(op('roles/get', tokens['bob'], { roleId: deployer.id }), 404, /not found/);
        assert.deepEqual(await audited('role_deleted'), ['Deleted role deployer of organization stackyard']);
        assert.ok((await audited('role_created')).length >= 3);
      });
    });

    void describe('stack grants and member access', () => {
      void it('sets, lists and removes per-user grants ("collaborators") and team grants on one stack', async () => {
        const stack = { project: 'web', stack: 'prod' };
        await op('stack-grants/users/set', adminToken, { ...stack, login: 'dave', permission: 102 });
        await op('stack-grants/users/set', adminToken, { ...stack, login: 'dave', permission: 103 });
        await rejectsWithStatus(op('stack-grants/users/set', adminToken, { ...stack, login: 'outsider', permission: 101 }), 404, /not a member/);
        await rejectsWithStatus(op('stack-grants/users/set', adminToken, { ...stack, login: 'dave', permission: 104 }), 400, /permission must be/);
        const users = await op<StackUserGrantsResponse>('stack-grants/users/list', tokens['carol'], stack);
        assert.deepEqual(users.users.map((u) => [u.user.githubLogin, u.permission]), [['dave', 103]]);
        assert.deepEqual((await accessOf(tokens['dave'])).grants, [{ via: { kind: 'user' }, target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 103 }]);
        await op('stack-grants/teams/set', adminToken, { ...stack, team: 'platform', permission: 101 });
        // Pulumi's ListTeamsByStackResponse: isMember is the caller's own membership (carol is in platform, dave is not).
        const byCarol = await op<StackTeamGrantsResponse>('stack-grants/teams/list', tokens['carol'], stack);
        assert.equal(byCarol.projectName, 'web');
        assert.deepEqual(byCarol.teams.map(({ description: _description, ...team }) => team), [{ name: 'platform', displayName: 'The Platform', permission: 101, isMember: true }]);
        assert.equal(typeof byCarol.teams[0]?.description, 'string');
        assert.equal((await op<StackTeamGrantsResponse>('stack-grants/teams/list', tokens['dave'], stack)).teams[0]?.isMember, false);
        assert.deepEqual(await audited('stack_collaborator_added'), ["Gave dave Write on stack stackyard/web/prod"]);
        assert.equal((await audited('stack_collaborator_changed')).length, 1);
      });

      void it('moves grants (and role rules) with a renamed stack, and drops them with a deleted one (api peer only)', async () => {
        const role = await op<RoleRecordResponse>('roles/create', adminToken, { request: { name: 'prod-reader', stackRules: [{ target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 101 }] } });
        await api.post(identityStackGrantsMovedPath(ORG), { from: { project: 'web', stack: 'prod' }, to: { project: 'web', stack: 'production' } });
        assert.deepEqual((await accessOf(tokens['dave'])).grants.map((g) => g.target), [{ kind: 'stack', project: 'web', stack: 'production' }]);
        assert.deepEqual((await op<TeamResponse>('teams/get', tokens['carol'], { team: 'platform' })).stacks, [{ projectName: 'web', stackName: 'production', permission: 101 }]);
        assert.deepEqual((await op<RoleRecordResponse>('roles/get', tokens['carol'], { roleId: role.id })).stackRules, [{ target: { kind: 'stack', project: 'web', stack: 'production' }, permission: 101 }]);
        await api.post(identityStackGrantsMovedPath(ORG), { from: { project: 'web', stack: 'production' } });
        assert.deepEqual((await accessOf(tokens['dave'])).grants, []);
        assert.deepEqual((await op<StackTeamGrantsResponse>('stack-grants/teams/list', tokens['carol'], { project: 'web', stack: 'production' })).teams, []);
        assert.deepEqual((await op<RoleRecordResponse>('roles/get', tokens['carol'], { roleId: role.id })).stackRules, []);
        await rejectsWithStatus(api.post(identityStackGrantsMovedPath(ORG), { from: { project: '../x', stack: 'y' } }), 400, /from/);
      });

      void it("answers a member's access profile to other members, for explanations", async () => {
        const answer = await api.post<MemberAccessResponse>(identityMemberAccessPath(ORG), { actorTokenHash: hashAccessToken(tokens['carol']), login: 'bob' });
        assert.equal(answer.login, 'bob');
        assert.deepEqual(answer.access, await accessOf(tokens['bob']));
        await rejectsWithStatus(api.post(identityMemberAccessPath(ORG), { actorTokenHash: hashAccessToken(tokens['carol']), login: 'outsider' }), 404, /not a member/);
        await rejectsWithStatus(api.post(identityMemberAccessPath(ORG), { actorTokenHash: hashAccessToken(tokens['outsider']), login: 'bob' }), 404, /Organization/);
      });

      void it('deletes teams with their grants (team:manage; team admins may not)', async () => {
        await rejectsWithStatus(op('teams/delete', tokens['bob'], { team: 'platform' }), 403, /'team:manage'/);
        await op('teams/delete', adminToken, { team: 'platform' });
        assert.deepEqual((await accessOf(tokens['carol'])).grants, []);
        assert.deepEqual((await resolve(tokens['carol'])).teams, []);
        await rejectsWithStatus(op('teams/get', tokens['carol'], { team: 'platform' }), 404, /Team 'platform' not found/);
        assert.deepEqual(await audited('team_deleted'), ['Deleted team platform of organization stackyard']);
      });
    });

    void it('serves the api only', async () => {
      const console = clientAs(pki, 'console-backend', running.url);
      try {
        await rejectsWithStatus(console.post(identityAccessPath(ORG, 'members/list'), { actorTokenHash: hashAccessToken(adminToken) }), 403, /for the api only/);
        await rejectsWithStatus(console.post(identityStackGrantsMovedPath(ORG), { from: { project: 'a', stack: 'b' } }), 403, /for the api only/);
      } finally {
        console.close();
      }
    });
  });
}
