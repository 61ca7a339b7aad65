import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Pulumi's organization, member, team, role and token REST routes through the api, driven exactly
 * as the `@pulumi/pulumiservice` provider drives them: each request body below is the JSON its Go
 * client marshals (file cited at each step, provider/pkg/pulumiapi/…), and each response is checked
 * to carry the fields that client decodes. Then the effect: organization settings and team stack
 * permissions decide what a member may do with a stack, on the very next request.
 */

/** Keeps only the fields a Go struct with these JSON names would decode, failing on a wrong type. */
function decode(value: unknown, shape: Record<string, 'string' | 'number' | 'boolean' | 'object' | 'array'>): void {
  assert.ok(typeof value === 'object' && value !== null, `expected an object, got ${JSON.stringify(value)}`);
  for (const [field, type] of Object.entries(shape)) {
    const actual: unknown = (value as Record<string, unknown>)[field];
    assert.equal(type === 'array' ? (Array.isArray(actual) ? 'array' : typeof actual) : typeof actual, type, `${field} in ${JSON.stringify(value)}`);
  }
}

for (const mode of selectedModes()) {
  void describe(`Pulumi's RBAC REST routes as the pulumiservice provider calls them — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let org: string;
    let erin: string;

    const rest = async <T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${started.suite.apiUrl}${path}`, {
        method,
        // The provider's headers (pulumiapi/client.go).
        headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.pulumi+8', 'x-pulumi-source': 'provider' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };
    const ok = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
      const res = await rest<T>(method, path, token, body);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const refused = async (method: string, path: string, token: string, body: unknown, status: number, message: RegExp) => {
      const res = await rest<{ code: number; message: string }>(method, path, token, body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.code, status);
      assert.match(res.body.message, message);
    };
    const admin = () => started.suite.adminToken;

    before(async () => {
      started = await startSuiteInMode(mode);
      trustInstallationCa(started.suite.caFile);
      org = started.suite.org;
      erin = (await started.suite.mintToken('erin', 'laptop')).token;
      // A stack to give teams permissions on (POST /api/stacks/{org}/{project}, as `pulumi stack init`).
      await ok('POST', `/api/stacks/${org}/web`, admin(), { stackName: 'prod' });
    });

    after(async () => {
      await started?.stop();
    });

    void it('members (members.go): add with {role}, 409 when already in, list both rosters, set roles by fgaRoleId, remove', async () => {
      await ok('DELETE', `/api/orgs/${org}/members/erin`, admin());
      // addMemberToOrgReq
      const added = await rest<{ role: string; user: { githubLogin: string } }>('POST', `/api/orgs/${org}/members/erin`, admin(), { role: 'member' });
      assert.equal(added.status, 200);
      assert.deepEqual([added.body.role, added.body.user.githubLogin], ['member', 'erin'], 'answers the new member, as Pulumi does');
      // Already a member: 409, which the provider's Create treats as "adopt".
      assert.equal((await rest('POST', `/api/orgs/${org}/members/erin`, admin(), { role: 'member' })).status, 409);
      for (const type of ['backend', 'frontend']) {
        const page = await ok<{ members: unknown[]; continuationToken?: string }>('GET', `/api/orgs/${org}/members?type=${type}`, admin());
        assert.equal(page.continuationToken, undefined);
        const member = page.members.find((m) => (m as { user: { githubLogin: string } }).user.githubLogin === 'erin');
        decode(member, { role: 'string', user: 'object', knownToPulumi: 'boolean', virtualAdmin: 'boolean', fgaRole: 'object' });
        decode((member as { user: unknown }).user, { name: 'string', githubLogin: 'string', avatarUrl: 'string', email: 'string' });
        decode((member as { fgaRole: unknown }).fgaRole, { id: 'string', name: 'string' });
      }
      // UpdateOrgMemberRole resolves a built-in role to its id through ListOrgRoles(uxPurpose=role) and sends only fgaRoleId.
      const roles = await ok<{ roles: { id: string; defaultIdentifier?: string }[] }>('GET', `/api/orgs/${org}/roles?uxPurpose=role`, admin());
      const adminRoleId = roles.roles.find((r) => r.defaultIdentifier === 'admin')?.id;
      const memberRoleId = roles.roles.find((r) => r.defaultIdentifier === 'member')?.id;
      assert.ok(adminRoleId && memberRoleId);
      assert.equal((await rest('PATCH', `/api/orgs/${org}/members/erin`, admin(), { fgaRoleId: adminRoleId })).status, 204);
      const listed = await ok<{ members: { role: string; user: { githubLogin: string } }[] }>('GET', `/api/orgs/${org}/members?type=backend`, admin());
      assert.equal(listed.members.find((m) => m.user.githubLogin === 'erin')?.role, 'admin');
      assert.equal((await rest('PATCH', `/api/orgs/${org}/members/erin`, admin(), { fgaRoleId: memberRoleId })).status, 204);
      await refused('PATCH', `/api/orgs/${org}/members/erin`, erin, { role: 'admin' }, 403, /member:manage/);
      await refused('PATCH', `/api/orgs/${org}/members/erin`, admin(), {}, 400, /one of role or fgaRoleId/);
      await refused('GET', `/api/orgs/${org}/members?type=bogus`, admin(), undefined, 400, /type must be/);
    });

    void it('teams (teams.go): create, rename, add members, give and remove stack permissions, delete', async () => {
      // createTeamRequest
      const team = await ok<Record<string, unknown>>('POST', `/api/orgs/${org}/teams/pulumi`, admin(), { organization: org, teamType: 'pulumi', name: 'platform', displayName: 'Platform', description: 'Runs the platform' });
      decode(team, { kind: 'string', name: 'string', displayName: 'string', description: 'string', members: 'array' });
      assert.equal(team['kind'], 'pulumi');
      // updateTeamRequest
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { newDisplayName: 'The Platform', newDescription: 'Keeps it running' })).status, 204);
      // updateTeamMembershipRequest: add, then add again (409 → the provider treats it as done)
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { memberAction: 'add', member: 'erin' })).status, 204);
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { memberAction: 'add', member: 'erin' })).status, 409);
      // addStackPermissionRequest
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { addStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } })).status, 204);
      await refused('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { addStackPermission: { projectName: 'web', stackName: 'nope', permission: 101 } }, 404, /Stack '.*\/web\/nope' not found/);
      // GetTeamStackPermission reads it back from GET /teams/{team}
      const got = await ok<{ name: string; displayName: string; description: string; members: { name: string; githubLogin: string; avatarUrl: string; role: string }[]; stacks: { projectName: string; stackName: string; permission: number }[] }>(
        'GET',
        `/api/orgs/${org}/teams/platform`,
        admin(),
      );
      assert.equal(got.displayName, 'The Platform');
      assert.deepEqual(got.stacks, [{ projectName: 'web', stackName: 'prod', permission: 101 }]);
      assert.deepEqual(got.members.map((m) => [m.githubLogin, m.role]).sort(), [['admin', 'admin'], ['erin', 'member']]);
      const teams = await ok<{ teams: { name: string; kind: string }[] }>('GET', `/api/orgs/${org}/teams`, admin());
      assert.deepEqual(teams.teams.map((t) => t.name), ['platform']);
      // GetTeam maps 404 to "gone".
      assert.equal((await rest('GET', `/api/orgs/${org}/teams/nope`, admin())).status, 404);
    });

    void it("organization settings and team stack permissions decide a member's stack access on the next request", async () => {
      const stackPath = `/api/stacks/${org}/web/prod`;
      // The default (Read for members) lets erin read; a default of None and no grant hides the stack.
      await ok('PATCH', `/api/orgs/${org}`, admin(), { setDefaultStackPermission: 0 });
      assert.equal((await ok<{ defaultStackPermission: number }>('GET', `/api/orgs/${org}/metadata`, erin)).defaultStackPermission, 0);
      assert.equal((await rest('GET', stackPath, erin)).status, 200, "erin's team has Read");
      // removeStackPermissionRequest
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { removeStack: { projectName: 'web', stackName: 'prod' } })).status, 204);
      assert.equal((await rest('GET', stackPath, erin)).status, 404, 'no access at all looks like no stack');
      await ok('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { addStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } });
      assert.equal((await rest('GET', stackPath, erin)).status, 200);
      await refused('PATCH', `/api/orgs/${org}`, erin, { setMembersCanCreateTeams: true }, 403, /organization:settings/);

      // A team admin gives the team at most what they hold themselves: no way up by one's own team.
      await ok('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { memberAction: 'promote', member: 'erin' });
      await refused('PATCH', `/api/orgs/${org}/teams/platform`, erin, { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 103 } }, 403, /you have Read on stack '.*\/web\/prod'.*at most/);
      await ok('POST', `/api/stacks/${org}/web`, admin(), { stackName: 'secret-staging' });
      await refused('PATCH', `/api/orgs/${org}/teams/platform`, erin, { addStackPermission: { projectName: 'web', stackName: 'secret-staging', permission: 101 } }, 404, /Stack '.*\/web\/secret-staging' not found/);
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, erin, { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } })).status, 204, 'up to their own level is fine');
      assert.equal((await rest('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 103 } })).status, 204, 'an organization admin holds Admin everywhere');
      await ok('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } });
      await ok('PATCH', `/api/orgs/${org}/teams/platform`, admin(), { memberAction: 'demote', member: 'erin' });
    });

    void it('custom roles (roles.go, team_roles.go) and organization tokens with a role (orgtokens.go)', async () => {
      const stack = await ok<{ id: string }>('GET', `/api/stacks/${org}/web/prod`, admin());
      // PermissionDescriptorBase with buildStackScopedPermissions' tree (functions/role_permissions.go).
      const role = await ok<Record<string, unknown>>('POST', `/api/orgs/${org}/roles`, admin(), {
        name: 'prod-writer',
        description: 'writes prod',
        resourceType: 'organization',
        uxPurpose: 'role',
        details: {
          __type: 'PermissionDescriptorCondition',
          condition: { __type: 'PermissionExpressionEqual', left: { __type: 'PermissionExpressionStack' }, right: { __type: 'PermissionLiteralExpressionStack', identity: stack.id } },
          subNode: { __type: 'PermissionDescriptorAllow', permissions: ['stack:read', 'stack:write'] },
        },
      });
      decode(role, { id: 'string', orgId: 'string', name: 'string', description: 'string', details: 'object', version: 'number', isOrgDefault: 'boolean', created: 'string', modified: 'string' });
      assert.deepEqual(role['stackRules'], [{ target: { kind: 'stack', project: 'web', stack: 'prod' }, permission: 102 }]);
      const roleId = role['id'] as string;
      const scopes = await ok<Record<string, { name: string; scopes: { name: string; metadata: { description: string } }[] }[]>>('GET', `/api/orgs/${org}/roles/scopes`, admin());
      assert.ok(Object.values(scopes).flat().flatMap((g) => g.scopes.map((s) => s.name)).includes('stack:update'));
      // AssignRoleToTeam / ListTeamRoles / RemoveRoleFromTeam
      assert.equal((await rest('POST', `/api/orgs/${org}/teams/platform/roles/${roleId}`, admin())).status, 204);
      const teamRoles = await ok<{ roles: { id: string; name: string }[] }>('GET', `/api/orgs/${org}/teams/platform/roles`, admin());
      assert.deepEqual(teamRoles.roles.map((r) => [r.id, r.name]), [[roleId, 'prod-writer']]);
      assert.equal((await rest('DELETE', `/api/orgs/${org}/teams/platform/roles/${roleId}`, admin())).status, 204);
      assert.equal((await rest('DELETE', `/api/orgs/${org}/teams/platform/roles/${roleId}`, admin())).status, 404, 'the provider treats 404 as removed');
      // createOrgTokenRequest (+ roleID, apitype/create_org_access_token_request_.go)
      const created = await ok<{ id: string; tokenValue: string }>('POST', `/api/orgs/${org}/tokens`, admin(), { description: 'deploys prod', name: 'prod-deployer', admin: false, roleID: roleId });
      decode(created, { id: 'string', tokenValue: 'string' });
      const listed = await ok<{ tokens: { id: string; name: string; description: string; admin: boolean }[] }>('GET', `/api/orgs/${org}/tokens`, admin());
      assert.deepEqual(listed.tokens.filter((t) => t.id === created.id).map((t) => [t.name, t.description, t.admin]), [['prod-deployer', 'deploys prod', false]]);
      const holders = await ok<{ tokens: { name: string }[] }>('GET', `/api/orgs/${org}/roles/${roleId}/tokens`, admin());
      assert.deepEqual(holders.tokens.map((t) => t.name), ['prod-deployer']);
      assert.equal((await rest('DELETE', `/api/orgs/${org}/roles/${roleId}`, admin())).status, 409, 'a role still held is not deleted without force');
      assert.equal((await rest('DELETE', `/api/orgs/${org}/tokens/${created.id}`, admin())).status, 204);
      assert.equal((await rest('DELETE', `/api/orgs/${org}/roles/${roleId}`, admin())).status, 204);
      await refused('POST', `/api/orgs/${org}/roles`, admin(), { name: 'env', details: { __type: 'PermissionDescriptorAllow', permissions: ['environment:read'] } }, 400, /environment:read/);
    });

    void it('deletes teams and members (DeleteTeam, DeleteMemberFromOrg)', async () => {
      assert.equal((await rest('DELETE', `/api/orgs/${org}/teams/platform`, admin())).status, 204);
      assert.equal((await rest('DELETE', `/api/orgs/${org}/members/erin`, admin())).status, 204);
      assert.equal((await rest('GET', `/api/orgs/${org}/teams`, erin)).status, 404, 'not a member any more: the organization is invisible');
    });
  });
}
