import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudSdkOutcome, type CloudSdkStep, OpenApiDocument, PulumiCloudSdkClient } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite, type SuiteModeName } from '../support/suite-modes';

/**
 * Stackyard's REST surface driven by Pulumi's own generated client, github.com/pulumi/pulumi-cloud-sdk/go
 * (tools/cloud-sdk-client): every request is what the SDK marshals from its own request types, and
 * every answer must decode into its types — strict enums (role, team kind, token type), RFC 3339
 * times, Pulumi's field names — or the SDK reports an error.
 *
 * Operations covered (Pulumi's operationIds): ListOrganizationMembers, AddOrganizationMember,
 * UpdateOrganizationMember, DeleteOrganizationMember, ListTeams, CreatePulumiTeam, GetTeam,
 * UpdateTeam (member add/remove; stack permission add/edit/remove), DeleteTeam, CreateOrgToken,
 * ListOrgTokens, DeleteOrgToken, ListAuditLogEventsHandlerV1, ListAuditLogEventsHandlerV2; and
 * GetCurrentUser, GetDefaultOrganization, Capabilities, ListUserStacks, GetStack,
 * UpdateTeamStackPermissions, ListStackTeams, ListStackPermissions, GetOrganization,
 * GetOrganizationMetadata, UpdateOrganizationSettings, Create/List/DeletePersonalToken,
 * Create/List/DeleteTeamToken, ListRolesByOrgIDAndUXPurpose, CreateRole, GetRole, DeleteRole,
 * ListAvailableScopes, UpdateTeamRoles, ListTeamRoles, DeleteTeamRole, ListTeamsWithRole,
 * ListUsersWithRole, List_orgs_oidc_issuers. Not covered: ListMemberStackPermissions, whose answer
 * is Stackyard's own explanation (the SDK decodes none of its fields; COMPATIBILITY.md).
 *
 * First, the served OpenAPI document is compared with the SDK's own operation table (read from its
 * source by tools/cloud-sdk-client/cmd/list-operations): every operation not marked
 * `x-stackyard-only` must be one of Pulumi's, with Pulumi's operationId.
 */

/** The wire shapes do not depend on where the data is stored: one storage mode is enough here. */
function modes(): SuiteModeName[] {
  const selected = selectedModes();
  return selected.includes('embedded') ? ['embedded'] : selected.slice(0, 1);
}

function expectOk(outcome: CloudSdkOutcome | undefined, op: string): unknown {
  assert.ok(outcome, `no outcome for ${op}`);
  assert.equal(outcome.op, op);
  assert.ok(outcome.ok, `${op} failed in Pulumi's SDK: ${outcome.status ?? ''} ${outcome.error ?? ''}`);
  return outcome.result;
}

interface Member {
  role: string;
  user: { githubLogin: string; name: string; avatarUrl: string };
  created: string;
  fgaRole: { id: string; name: string; modifiedAt: string };
}
interface Team {
  kind: string;
  name: string;
  displayName: string;
  description: string;
  members?: Array<{ githubLogin: string; role: string }>;
  stacks?: Array<{ projectName: string; stackName: string; permission: number }>;
}

for (const mode of modes()) {
  void describe(`Pulumi's REST client (pulumi-cloud-sdk/go) against Stackyard — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let sdk: PulumiCloudSdkClient;
    let org: string;
    const run = (steps: CloudSdkStep[]) => sdk.run(steps);
    const one = async (step: CloudSdkStep) => (await run([step]))[0];

    before(async () => {
      // Build (or find) the client first: a missing Go toolchain fails here, before a suite starts.
      await PulumiCloudSdkClient.binaryPath();
      started = await startSuiteInMode(mode);
      trustInstallationCa(started.suite.caFile);
      org = started.suite.org;
      sdk = await PulumiCloudSdkClient.create({ baseUrl: started.suite.apiUrl, caFile: started.suite.caFile, token: started.suite.adminToken });
      await started.suite.mintToken('frank', 'laptop');
      // A stack for team permissions, created as `pulumi stack init` does.
      const created = await fetch(`${started.suite.apiUrl}/api/stacks/${org}/web`, {
        method: 'POST',
        headers: { authorization: `token ${started.suite.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ stackName: 'prod' }),
      });
      assert.equal(created.status, 200, await created.text());
    });

    after(async () => {
      await started?.stop();
    });

    void it("serves an OpenAPI document whose operations carry Pulumi's paths and operationIds (as the SDK has them)", async () => {
      const response = await fetch(`${started.suite.apiUrl}/api/openapi/pulumi-spec.json`);
      assert.equal(response.status, 200);
      const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; 'x-stackyard-only'?: boolean }>> };
      assert.match(document.openapi, /^3\.0\./);
      const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
      const sdkOperations = new Map((await PulumiCloudSdkClient.operations()).map((o) => [`${o.method.toLowerCase()} ${shape(o.path)}`, o]));
      assert.ok(sdkOperations.size > 500, `the SDK lists only ${sdkOperations.size} operations`);
      const differing: string[] = [];
      let pulumiOperations = 0;
      for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const sdk = sdkOperations.get(`${method} ${shape(path)}`);
          if (operation['x-stackyard-only']) {
            if (sdk) differing.push(`${method.toUpperCase()} ${path} is marked Stackyard's own, but Pulumi has it as ${sdk.operationId}`);
            continue;
          }
          pulumiOperations++;
          if (!sdk) differing.push(`${method.toUpperCase()} ${path} (${operation.operationId}) is not an operation of Pulumi's API`);
          else if (sdk.operationId !== operation.operationId) differing.push(`${method.toUpperCase()} ${path}: operationId ${operation.operationId}, Pulumi's is ${sdk.operationId}`);
        }
      }
      assert.deepEqual(differing, []);
      assert.ok(pulumiOperations >= 90, `${pulumiOperations} of Pulumi's operations documented`);
    });

    void it("the document's response schemas accept Stackyard's real answers", async () => {
      const document = (await (await fetch(`${started.suite.apiUrl}/api/openapi/pulumi-spec.json`)).json()) as ConstructorParameters<typeof OpenApiDocument>[0];
      const described = new OpenApiDocument(document, 'stackyard-pulumi-spec');
      const reads: Array<[string, string]> = [
        ['/api/capabilities', '/api/capabilities'],
        ['/api/user', '/api/user'],
        ['/api/user/stacks', '/api/user/stacks'],
        ['/api/stacks/{orgName}/{projectName}/{stackName}', `/api/stacks/${org}/web/prod`],
        ['/api/orgs/{orgName}', `/api/orgs/${org}`],
        ['/api/orgs/{orgName}/members', `/api/orgs/${org}/members`],
        ['/api/orgs/{orgName}/teams', `/api/orgs/${org}/teams`],
        ['/api/orgs/{orgName}/tokens', `/api/orgs/${org}/tokens`],
        ['/api/orgs/{orgName}/roles', `/api/orgs/${org}/roles`],
        ['/api/orgs/{orgName}/auditlogs', `/api/orgs/${org}/auditlogs`],
        ['/api/stacks/{orgName}/{projectName}/{stackName}/access', `/api/stacks/${org}/web/prod/access`],
        ['/api/user/organizations/default', '/api/user/organizations/default'],
        ['/api/user/tokens', '/api/user/tokens'],
        ['/api/orgs/{orgName}/metadata', `/api/orgs/${org}/metadata`],
        ['/api/orgs/{orgName}/roles/scopes', `/api/orgs/${org}/roles/scopes`],
        ['/api/orgs/{orgName}/roles/{roleID}', `/api/orgs/${org}/roles/builtin-member`],
        ['/api/orgs/{orgName}/oidc/issuers', `/api/orgs/${org}/oidc/issuers`],
        ['/api/orgs/{orgName}/auditlogs/v2', `/api/orgs/${org}/auditlogs/v2`],
        ['/api/stacks/{orgName}/{projectName}/{stackName}/teams', `/api/stacks/${org}/web/prod/teams`],
        ['/api/stacks/{orgName}/{projectName}/{stackName}/collaborators', `/api/stacks/${org}/web/prod/collaborators`],
        ['/api/stacks/{orgName}/{projectName}/{stackName}/updates', `/api/stacks/${org}/web/prod/updates`],
        ['/api/stacks/{orgName}/{projectName}/{stackName}/export', `/api/stacks/${org}/web/prod/export`],
      ];
      for (const [template, path] of reads) {
        const response = await fetch(`${started.suite.apiUrl}${path}`, { headers: { authorization: `token ${started.suite.adminToken}` } });
        const body: unknown = await response.json();
        assert.equal(response.status, 200, `${path}: ${JSON.stringify(body)}`);
        assert.deepEqual(described.responseValidator(template, 'get', 200)(body), [], `${path}: ${JSON.stringify(body).slice(0, 500)}`);
      }
      const refused = await fetch(`${started.suite.apiUrl}/api/orgs/${org}/teams/no-such-team`, { headers: { authorization: `token ${started.suite.adminToken}` } });
      assert.equal(refused.status, 404);
      const error: unknown = await refused.json();
      assert.deepEqual(new OpenApiDocument(document, 'stackyard-errors').responseValidator('/api/orgs/{orgName}/teams/{teamName}', 'get', 404)(error), []);
    });

    void it('user, stacks, stack access, organization, personal and team tokens, roles, OIDC — decoded by the SDK', async () => {
      expectOk(await one({ op: 'CreatePulumiTeam', org, body: { name: 'readers', displayName: 'Readers', description: '' } }), 'CreatePulumiTeam');
      const role = expectOk(
        await one({ op: 'CreateRole', org, body: { name: 'stack-reader', description: 'reads every stack', resourceType: 'organization', uxPurpose: 'role', details: { __type: 'PermissionDescriptorAllow', permissions: ['stack:read'] } } }),
        'CreateRole',
      ) as { id: string; name: string };
      assert.equal(role.name, 'stack-reader');
      const steps: CloudSdkStep[] = [
        { op: 'GetCurrentUser' },
        { op: 'GetDefaultOrganization' },
        { op: 'Capabilities' },
        { op: 'ListUserStacks', org },
        { op: 'GetStack', org, project: 'web', stack: 'prod' },
        { op: 'UpdateTeamStackPermissions', org, project: 'web', stack: 'prod', team: 'readers', body: { permissions: 101 } },
        { op: 'ListStackTeams', org, project: 'web', stack: 'prod' },
        { op: 'ListStackPermissions', org, project: 'web', stack: 'prod' },
        { op: 'GetOrganization', org },
        { op: 'GetOrganizationMetadata', org },
        { op: 'UpdateOrganizationSettings', org, body: { setMembersCanCreateTeams: true } },
        { op: 'CreatePersonalToken', body: { description: 'sdk personal', expires: 0 } },
        { op: 'ListPersonalTokens' },
        { op: 'CreateTeamToken', org, team: 'readers', body: { name: 'readers-bot', description: 'team bot', expires: 0 } },
        { op: 'ListTeamTokens', org, team: 'readers' },
        { op: 'ListRolesByOrgIDAndUXPurpose', org, uxPurpose: 'role' },
        { op: 'GetRole', org, roleId: role.id },
        { op: 'ListAvailableScopes', org },
        { op: 'UpdateTeamRoles', org, team: 'readers', roleId: role.id },
        { op: 'ListTeamRoles', org, team: 'readers' },
        { op: 'ListTeamsWithRole', org, roleId: role.id },
        { op: 'ListUsersWithRole', org, roleId: role.id },
        { op: 'DeleteTeamRole', org, team: 'readers', roleId: role.id },
        { op: 'DeleteRole', org, roleId: role.id },
        { op: 'List_orgs_oidc_issuers', org },
      ];
      const outcomes = await run(steps);
      const failed = outcomes.filter((o) => !o.ok).map((o) => `${o.op}: ${o.status ?? ''} ${o.error ?? ''}`);
      assert.deepEqual(failed, []);
      const result = <T>(op: string) => outcomes.find((o) => o.op === op)?.result as T;

      const user = result<{ githubLogin: string; organizations: Array<{ githubLogin: string; role: string }> }>('GetCurrentUser');
      assert.equal(user.githubLogin, started.suite.adminLogin);
      assert.equal(user.organizations.find((o) => o.githubLogin === org)?.role, 'admin', 'the SDK decodes the caller’s role');
      assert.equal(result<{ GitHubLogin: string }>('GetDefaultOrganization').GitHubLogin, org);
      assert.ok(result<{ capabilities: Array<{ capability: string }> }>('Capabilities').capabilities.some((c) => c.capability === 'batch-encrypt'));
      assert.ok(result<{ stacks: Array<{ projectName: string; stackName: string }> }>('ListUserStacks').stacks.some((st) => st.projectName === 'web' && st.stackName === 'prod'));
      assert.equal(result<{ stackName: string; orgName: string }>('GetStack').orgName, org);
      const stackTeams = result<{ projectName: string; teams: Array<{ name: string; permission: number; isMember: boolean }> }>('ListStackTeams');
      assert.equal(stackTeams.projectName, 'web');
      assert.ok(stackTeams.teams.some((t) => t.name === 'readers' && t.permission === 101 && typeof t.isMember === 'boolean'), JSON.stringify(stackTeams));
      assert.equal(result<{ stackCreatorUserName?: string }>('ListStackPermissions').stackCreatorUserName, started.suite.adminLogin);
      assert.equal(result<{ name: string }>('GetOrganization').name, org);
      assert.ok([0, 101, 102, 103].includes(result<{ defaultStackPermission: number }>('GetOrganizationMetadata').defaultStackPermission));
      assert.equal(result<{ membersCanCreateTeams: boolean }>('UpdateOrganizationSettings').membersCanCreateTeams, true);
      const personal = result<{ id: string; tokenValue: string }>('CreatePersonalToken');
      assert.ok(result<{ tokens: Array<{ id: string; type?: string }> }>('ListPersonalTokens').tokens.some((t) => t.id === personal.id && t.type === 'personal'));
      const teamToken = result<{ id: string }>('CreateTeamToken');
      assert.ok(result<{ tokens: Array<{ id: string; name: string; type?: string }> }>('ListTeamTokens').tokens.some((t) => t.id === teamToken.id && t.name === 'readers-bot' && t.type === 'team'));
      assert.ok(result<{ roles: Array<{ id: string }> }>('ListRolesByOrgIDAndUXPurpose').roles.some((r) => r.id === role.id));
      assert.equal(result<{ name: string; details?: { __type?: string } }>('GetRole').name, 'stack-reader');
      assert.ok(Object.keys(result<Record<string, unknown>>('ListAvailableScopes')).length > 0);
      assert.ok(result<{ roles: Array<{ id: string }> }>('ListTeamRoles').roles.some((r) => r.id === role.id));
      assert.ok((result<{ teams?: Array<{ name: string }> }>('ListTeamsWithRole').teams ?? []).some((t) => t.name === 'readers'));
      assert.ok(Array.isArray(result<{ oidcIssuers: unknown[] }>('List_orgs_oidc_issuers').oidcIssuers));
      // Built-in roles by the ids ListRolesByOrgIDAndUXPurpose gives them.
      const builtInAdmin = result<{ roles: Array<{ id: string; name: string }> }>('ListRolesByOrgIDAndUXPurpose').roles.find((r) => r.name === 'Admin');
      assert.ok(builtInAdmin, 'the built-in Admin role is listed');
      const admins = expectOk(await one({ op: 'ListUsersWithRole', org, roleId: builtInAdmin.id }), 'ListUsersWithRole') as { users?: Array<{ githubLogin: string }> };
      assert.ok((admins.users ?? []).some((u) => u.githubLogin === started.suite.adminLogin), JSON.stringify(admins));
      expectOk(await one({ op: 'ListTeamsWithRole', org, roleId: builtInAdmin.id }), 'ListTeamsWithRole');

      const cleanup = await run([
        { op: 'DeletePersonalToken', tokenId: personal.id },
        { op: 'DeleteTeamToken', org, team: 'readers', tokenId: teamToken.id },
        { op: 'DeleteTeam', org, team: 'readers' },
      ]);
      cleanup.forEach((o) => expectOk(o, o.op));
    });

    void it('members: list, add, change role, remove — decoded as OrganizationMember', async () => {
      expectOk(await one({ op: 'DeleteOrganizationMember', org, login: 'frank' }), 'DeleteOrganizationMember');
      const added = expectOk(await one({ op: 'AddOrganizationMember', org, login: 'frank', body: { role: 'member' } }), 'AddOrganizationMember') as Member;
      assert.deepEqual([added.role, added.user.githubLogin], ['member', 'frank'], 'the SDK decodes the new member');
      const listed = expectOk(await one({ op: 'ListOrganizationMembers', org }), 'ListOrganizationMembers') as { members: Member[] };
      const frank = listed.members.find((m) => m.user.githubLogin === 'frank');
      assert.ok(frank, `frank was not added: ${JSON.stringify(listed)}`);
      assert.equal(frank.role, 'member');
      assert.ok(!Number.isNaN(Date.parse(frank.created)) && !frank.created.startsWith('0001-'), `created: ${frank.created}`);
      assert.ok(frank.fgaRole.id && frank.fgaRole.name, JSON.stringify(frank.fgaRole));

      expectOk(await one({ op: 'UpdateOrganizationMember', org, login: 'frank', body: { role: 'admin' } }), 'UpdateOrganizationMember');
      const promoted = expectOk(await one({ op: 'ListOrganizationMembers', org }), 'ListOrganizationMembers') as { members: Member[] };
      assert.equal(promoted.members.find((m) => m.user.githubLogin === 'frank')?.role, 'admin');
      expectOk(await one({ op: 'UpdateOrganizationMember', org, login: 'frank', body: { role: 'member' } }), 'UpdateOrganizationMember');

      // Errors reach the SDK as Pulumi's {code, message}.
      const unknown = await one({ op: 'UpdateOrganizationMember', org, login: 'nobody-here', body: { role: 'admin' } });
      assert.equal(unknown.ok, false);
      assert.equal(unknown.status, 404, JSON.stringify(unknown));
    });

    void it('teams: create, list, get, members and stack permissions through UpdateTeam, delete — decoded as Team', async () => {
      const created = expectOk(await one({ op: 'CreatePulumiTeam', org, body: { name: 'sdk-team', displayName: 'SDK team', description: 'made by the SDK' } }), 'CreatePulumiTeam') as Team;
      assert.deepEqual([created.kind, created.name, created.displayName, created.description], ['pulumi', 'sdk-team', 'SDK team', 'made by the SDK']);
      const outcomes = await run([
        { op: 'UpdateTeam', org, team: 'sdk-team', body: { memberAction: 'add', member: 'frank' } },
        { op: 'UpdateTeam', org, team: 'sdk-team', body: { addStackPermission: { projectName: 'web', stackName: 'prod', permission: 101 } } },
        { op: 'GetTeam', org, team: 'sdk-team' },
        { op: 'UpdateTeam', org, team: 'sdk-team', body: { editStackPermission: { projectName: 'web', stackName: 'prod', permission: 103 } } },
        { op: 'GetTeam', org, team: 'sdk-team' },
        { op: 'UpdateTeam', org, team: 'sdk-team', body: { removeStack: { projectName: 'web', stackName: 'prod' } } },
        { op: 'UpdateTeam', org, team: 'sdk-team', body: { memberAction: 'remove', member: 'frank' } },
        { op: 'GetTeam', org, team: 'sdk-team' },
        { op: 'ListTeams', org },
      ]);
      outcomes.forEach((o) => expectOk(o, o.op));
      const withGrant = outcomes[2].result as Team;
      assert.deepEqual(withGrant.stacks, [{ projectName: 'web', stackName: 'prod', permission: 101 }]);
      assert.ok(withGrant.members?.some((m) => m.githubLogin === 'frank' && m.role === 'member'), JSON.stringify(withGrant.members));
      assert.deepEqual((outcomes[4].result as Team).stacks, [{ projectName: 'web', stackName: 'prod', permission: 103 }]);
      const emptied = outcomes[7].result as Team;
      assert.deepEqual(emptied.stacks ?? [], []);
      assert.ok(!(emptied.members ?? []).some((m) => m.githubLogin === 'frank'));
      const teams = (outcomes[8].result as { teams: Team[] }).teams;
      assert.ok(teams.some((t) => t.name === 'sdk-team' && t.kind === 'pulumi'), JSON.stringify(teams));

      expectOk(await one({ op: 'DeleteTeam', org, team: 'sdk-team' }), 'DeleteTeam');
      const gone = await one({ op: 'GetTeam', org, team: 'sdk-team' });
      assert.equal(gone.status, 404, JSON.stringify(gone));
    });

    void it('organization tokens: create, list, delete — decoded as CreateAccessTokenResponse and AccessToken', async () => {
      const created = expectOk(await one({ op: 'CreateOrgToken', org, body: { name: 'sdk-bot', description: 'from the SDK', expires: 0, admin: false } }), 'CreateOrgToken') as { id: string; tokenValue: string };
      assert.match(created.tokenValue, /^pul-[0-9a-f]{40}$/);
      const listed = expectOk(await one({ op: 'ListOrgTokens', org }), 'ListOrgTokens') as { tokens: Array<{ id: string; name: string; description: string; type?: string; expires: number; admin: boolean }> };
      const token = listed.tokens.find((t) => t.id === created.id);
      assert.ok(token, JSON.stringify(listed));
      assert.deepEqual([token.name, token.description, token.type, token.expires, token.admin], ['sdk-bot', 'from the SDK', 'organization', 0, false]);
      assert.equal(JSON.stringify(listed).includes(created.tokenValue), false, 'a token value was listed');
      expectOk(await one({ op: 'DeleteOrgToken', org, tokenId: created.id }), 'DeleteOrgToken');
      const after = expectOk(await one({ op: 'ListOrgTokens', org }), 'ListOrgTokens') as { tokens: Array<{ id: string }> };
      assert.equal(after.tokens.some((t) => t.id === created.id), false);
    });

    void it('audit logs (v1 and v2): the actions above, decoded as ResponseAuditLogs', async () => {
      const [v1, v2] = await run([
        { op: 'ListAuditLogEventsHandlerV1', org },
        { op: 'ListAuditLogEventsHandlerV2', org, startTime: Math.floor(Date.now() / 1000) - 3600 },
      ]);
      for (const outcome of [v1, v2]) {
        const page = expectOk(outcome, outcome.op) as { auditLogEvents: Array<{ event: string; description: string; timestamp: number; user: { githubLogin: string } }> };
        assert.ok(page.auditLogEvents.length > 0, `${outcome.op}: no events`);
        const events = new Set(page.auditLogEvents.map((e) => e.event));
        assert.ok(page.auditLogEvents.every((e) => Number.isInteger(e.timestamp) && e.timestamp > 1_600_000_000), 'timestamps are unix seconds');
        assert.ok(page.auditLogEvents.some((e) => /sdk-team/.test(e.description)), `${outcome.op}: the team changes are not in the log: ${[...events].join(', ')}`);
      }
    });
  });
}
