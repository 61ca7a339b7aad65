import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditLogEventsResponse, ListStacksResponse, StackAccessExplanation } from '@stackyard/shared-contracts';
import { PulumiCli, type SlapdPeer, startSlapd } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram, startProgram } from '../support/program';
import { initStack, sharedProjectDir } from './support/project';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Issue 6 with the real CLI: who may do what to a stack, decided by team grants, the organization's
 * default, custom roles with tag rules and organization roles — each change visible on the very
 * next request. People are real directory (slapd) users who got their tokens through the CLI's
 * browser login; an administrator changes access through Pulumi's REST routes.
 */

const ORG = 'stackyard';
const OUTSIDERS = 'outsiders';
const PROJECT = 'rbac';

let slapd: SlapdPeer;

before(async () => {
  slapd = await startSlapd();
});

after(async () => {
  await slapd?.stop();
});

function directories(): string {
  const ldap = { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn };
  return JSON.stringify([
    { id: 'corp', displayName: 'Corporate LDAP', organization: ORG, teamMappings: [], ldap },
    // The same directory for another organization: its users are different people (another provider).
    { id: 'partner', displayName: 'Partner LDAP', organization: OUTSIDERS, teamMappings: [], ldap },
  ]);
}

for (const mode of selectedModes()) {
  void describe(`stack permissions with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    let rest: RestClient;
    const tokens = { alice: '', carol: '', outsider: '' };
    const clis: Record<string, PulumiCli> = {};
    const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;
    const admin = () => started.suite.adminToken;
    const cliFor = (who: keyof typeof tokens | 'admin'): PulumiCli => clis[who];
    /** `pulumi up` through the Automation API (which runs the real CLI); resolves to its outcome and output. */
    const tryUp = async (who: keyof typeof tokens | 'admin', stack: string, generation: number) => {
      const running = startProgram(cliFor(who), { op: 'up', projectName: PROJECT, stackName: ref(stack), program: { resources: 2, generation } });
      const result = await running.result;
      return { ok: result.ok, output: `${result.ok ? '' : result.error}\n${running.output()}` };
    };
    const teamOp = (team: string, body: unknown) => rest.ok('PATCH', `/api/orgs/${ORG}/teams/${team}`, admin(), body);

    before(async () => {
      [binary, started] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode, { serviceEnv: { identity: { STACKYARD_DIRECTORIES: directories() } } })]);
      assert.equal(started.suite.org, ORG);
      trustInstallationCa(started.suite.caFile);
      rest = new RestClient(started.suite.apiUrl);
      const { alice, carol } = slapd.users;
      tokens.alice = await directoryUserToken(started.suite.consoleUrl, 'corp', alice.username, alice.password);
      tokens.carol = await directoryUserToken(started.suite.consoleUrl, 'corp', carol.username, carol.password);
      tokens.outsider = await directoryUserToken(started.suite.consoleUrl, 'partner', carol.username, carol.password);
      const projectDir = sharedProjectDir(PROJECT);
      for (const [who, token] of Object.entries({ ...tokens, admin: admin() })) {
        clis[who] = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: projectDir });
        await clis[who].login(started.suite.apiUrl);
      }
      // The administrator creates the stacks, then makes stacks invisible to members by default.
      await initStack(cliFor('admin'), ref('shared'));
      await initStack(cliFor('admin'), ref('private'));
      await runProgram(cliFor('admin'), { op: 'up', projectName: PROJECT, stackName: ref('shared'), program: { resources: 2, generation: 1 } });
      await runProgram(cliFor('admin'), { op: 'up', projectName: PROJECT, stackName: ref('private'), program: { resources: 1, generation: 1 } });
      await rest.ok('PATCH', `/api/orgs/${ORG}`, admin(), { setDefaultStackPermission: 0 });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin(), { organization: ORG, name: 'readers', displayName: 'Readers', description: 'may look' });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin(), { organization: ORG, name: 'writers', displayName: 'Writers', description: 'may deploy' });
      await teamOp('readers', { memberAction: 'add', member: 'alice' });
      await teamOp('writers', { memberAction: 'add', member: 'carol' });
      await teamOp('readers', { addStackPermission: { projectName: PROJECT, stackName: 'shared', permission: 101 } });
      await teamOp('writers', { addStackPermission: { projectName: PROJECT, stackName: 'shared', permission: 102 } });
    });

    after(async () => {
      await started?.stop();
    });

    void it('lets a Read user export the stack and see its history, and refuses their `up` with a clear permission error', async () => {
      const exported = await cliFor('alice').ok(['stack', 'export', '--stack', ref('shared')]);
      assert.match(exported.stdout, /"deployment"/);
      const history = await cliFor('alice').ok(['stack', 'history', '--stack', ref('shared')]);
      assert.match(history.stdout, /UpdateKind: update/);
      const attempt = await tryUp('alice', 'shared', 2);
      assert.equal(attempt.ok, false, 'a Read user must not update');
      assert.match(attempt.output, /\[403\] Forbidden: you have Read access to stack 'stackyard\/rbac\/shared'; changing the stack \(updates, imports, tags, encryption, cancellation\) requires Write/);
    });

    void it('lets a Write user update but not remove the stack', async () => {
      const attempt = await tryUp('carol', 'shared', 2);
      assert.equal(attempt.ok, true, attempt.output);
      const rm = await cliFor('carol').run(['stack', 'rm', '--yes', '--force', '--stack', ref('shared')]);
      assert.notEqual(rm.code, 0);
      assert.match(rm.stderr, /\[403\] Forbidden: you have Write access to stack 'stackyard\/rbac\/shared'; deleting the stack requires Admin/);
    });

    void it('shows a user without access no stack at all, and lists only the stacks a user may see', async () => {
      const select = await cliFor('outsider').run(['stack', 'select', ref('shared')]);
      assert.notEqual(select.code, 0);
      assert.match(select.stderr, /no stack named 'stackyard\/(rbac\/)?shared' found/);
      const exported = await cliFor('outsider').run(['stack', 'export', '--stack', ref('shared')]);
      assert.notEqual(exported.code, 0);
      assert.doesNotMatch(exported.stderr, /403/, 'an invisible stack answers like a missing one');
      const listed = await rest.ok<ListStacksResponse>('GET', '/api/user/stacks', tokens.alice);
      assert.deepEqual(
        listed.stacks.map((s) => `${s.orgName}/${s.projectName}/${s.stackName}`),
        [ref('shared')],
      );
      const ls = await cliFor('alice').ok(['stack', 'ls', '--all', '--json']);
      // The CLI names stacks of the current project by their short name.
      assert.deepEqual((JSON.parse(ls.stdout) as Array<{ name: string }>).map((s) => s.name), ['shared']);
    });

    void it('applies a removed grant, a restored grant, a team removal and a role change on the very next request', async () => {
      const canExport = async () => (await rest.call('GET', `/api/stacks/${ORG}/${PROJECT}/shared/export`, tokens.alice)).status;
      assert.equal(await canExport(), 200);
      await teamOp('readers', { removeStack: { projectName: PROJECT, stackName: 'shared' } });
      assert.equal(await canExport(), 404, 'no grant left: the stack is invisible again');
      await teamOp('readers', { addStackPermission: { projectName: PROJECT, stackName: 'shared', permission: 101 } });
      assert.equal(await canExport(), 200);
      await teamOp('readers', { memberAction: 'remove', member: 'alice' });
      assert.equal(await canExport(), 404, 'out of the team, out of its grants');
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin(), { role: 'admin' });
      assert.equal(await canExport(), 200, 'organization admins see every stack');
      const attempt = await tryUp('alice', 'shared', 3);
      assert.equal(attempt.ok, true, attempt.output);
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin(), { role: 'member' });
      assert.equal(await canExport(), 404);
      await teamOp('readers', { memberAction: 'add', member: 'alice' });
      assert.equal(await canExport(), 200);
    });

    void it('grants by tag: tagging the stack gives the role’s team Write, untagging takes it away', async () => {
      const role = await rest.ok<{ id: string }>('POST', `/api/orgs/${ORG}/roles`, admin(), {
        name: 'prod-deployers',
        description: 'deploy whatever is tagged env=prod',
        scopes: [],
        stackRules: [{ target: { kind: 'tag', key: 'env', value: 'prod' }, permission: 102 }],
      });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin(), { organization: ORG, name: 'ops', displayName: 'Ops', description: '' });
      await teamOp('ops', { memberAction: 'add', member: 'alice' });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/ops/roles/${role.id}`, admin());
      const before = await tryUp('alice', 'shared', 4);
      assert.equal(before.ok, false, 'untagged: Read only');
      await cliFor('admin').ok(['stack', 'tag', 'set', 'env', 'prod', '--stack', ref('shared')]);
      const tagged = await tryUp('alice', 'shared', 4);
      assert.equal(tagged.ok, true, tagged.output);
      const why = await rest.ok<StackAccessExplanation>('GET', `/api/stacks/${ORG}/${PROJECT}/shared/access`, tokens.alice);
      assert.equal(why.permission, 102);
      assert.ok(
        why.reasons.some((r) => r.kind === 'role' && r.role.name === 'prod-deployers' && r.via.kind === 'team' && r.via.team === 'ops' && r.target.kind === 'tag'),
        JSON.stringify(why.reasons),
      );
      await cliFor('admin').ok(['stack', 'tag', 'rm', 'env', '--stack', ref('shared')]);
      const untagged = await tryUp('alice', 'shared', 5);
      assert.equal(untagged.ok, false, 'the tag is gone, and with it the grant');
      assert.match(untagged.output, /requires Write/);
    });

    void it('explains a member’s access to an administrator, grant by grant', async () => {
      const why = await rest.ok<StackAccessExplanation>('GET', `/api/console/orgs/${ORG}/members/carol/stacks/${PROJECT}/shared`, admin());
      assert.equal(why.user, 'carol');
      assert.equal(why.permission, 102);
      assert.deepEqual(why.reasons, [{ kind: 'grant', via: { kind: 'team', team: 'writers' }, target: { kind: 'stack', project: PROJECT, stack: 'shared' }, permission: 102 }]);
      assert.deepEqual(
        why.actions.filter((a) => !a.allowed).map((a) => [a.action, a.status]),
        [
          ['stack:delete', 403],
          ['stack:rename', 403],
          ['stack:transfer', 403],
          ['stack:access', 403],
        ],
      );
      // A Write user may not ask about others.
      const refused = await rest.call('GET', `/api/console/orgs/${ORG}/members/alice/stacks/${PROJECT}/shared`, tokens.carol);
      assert.equal(refused.status, 403);
    });

    void it('recorded every change and every refusal in the organization’s audit log', async () => {
      const page = await rest.ok<AuditLogEventsResponse>('GET', `/api/orgs/${ORG}/auditlogs?pageSize=500`, admin());
      const seen = (event: string, pattern: RegExp, user?: string) =>
        page.auditLogEvents.some((e) => e.event === event && pattern.test(e.description) && (user === undefined || e.user?.githubLogin === user));
      const missing = [
        ['request_denied', /refused \(403\).*stack:update on stack 'stackyard\/rbac\/shared'/, 'alice'],
        ['request_denied', /refused \(403\).*stack:delete on stack 'stackyard\/rbac\/shared'/, 'carol'],
        ['stack_created', /stack 'stackyard\/rbac\/shared' created/, started.suite.adminLogin],
        ['update_started', /stack 'stackyard\/rbac\/shared' started/, 'carol'],
        ['update_completed', /of stack 'stackyard\/rbac\/shared' completed: succeeded/, undefined],
        ['stack_exported', /state of stack 'stackyard\/rbac\/shared' exported/, 'alice'],
        ['organization_settings_changed', /./, started.suite.adminLogin],
        ['team_created', /readers/, started.suite.adminLogin],
        ['team_stack_permission_added', /shared/, started.suite.adminLogin],
        ['team_stack_permission_removed', /shared/, started.suite.adminLogin],
        ['member_role_changed', /alice/, started.suite.adminLogin],
        ['role_created', /prod-deployers/, started.suite.adminLogin],
      ].filter(([event, pattern, user]) => !seen(event as string, pattern as RegExp, user as string | undefined));
      assert.deepEqual(missing, [], `events seen: ${[...new Set(page.auditLogEvents.map((e) => e.event))].join(', ')}`);
    });
  });
}
