import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreateAccessTokenResponse } from '@stackyard/shared-contracts';
import { PulumiCli, type SlapdPeer, startSlapd } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram } from '../support/program';
import { initStack, sharedProjectDir } from './support/project';
import { RestClient } from '../support/rest';
import { startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Issue 6, the permission matrix: every kind of principal × every route in ROUTES, one table,
 * expectations written here from Pulumi's documented levels (never computed by the code under
 * test). A route a principal may use must get past authorization — the request bodies are
 * deliberately invalid where the route would change something, so an allowed call ends in a 400
 * (or a 404 for a made-up update id) and the stack stays as it is; a refused one is 404 when the
 * principal may not see the stack or organization at all and 403 when they may see it.
 */

const ORG = 'stackyard';
const PROJECT = 'matrix';
const STACK = 'target';
const S = `/api/stacks/${ORG}/${PROJECT}/${STACK}`;
const O = `/api/orgs/${ORG}`;
const NO_UPDATE = '00000000-0000-4000-8000-000000000000';

/** What a route needs: a level on the stack, or a standing in the organization. */
type Need =
  | { stack: 'read' | 'write' | 'admin' }
  /** Admin on the stack, and organization admin unless the organization lets members transfer (by default it does not). */
  | { stack: 'admin'; transfer: true }
  /** `create-stacks`: admins, and members as the organization's settings allow — settings that a custom role of one's own replaces. */
  | { org: 'member' | 'admin' | 'create-stacks' }
  /** Any authenticated caller (about themselves). */
  | 'caller';

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';
  path: string;
  need: Need;
  body?: unknown;
}

/** The single table. CLI protocol routes first, then Pulumi's REST surface. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/api/user', need: 'caller' },
  { method: 'GET', path: '/api/user/stacks', need: 'caller' },
  { method: 'GET', path: '/api/user/organizations/default', need: 'caller' },
  { method: 'POST', path: `/api/stacks/${ORG}/${PROJECT}`, need: { org: 'create-stacks' }, body: { stackName: 7 } },
  { method: 'GET', path: S, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/export`, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/export/1`, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/updates`, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/updates/latest`, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/update/${NO_UPDATE}`, need: { stack: 'read' } },
  { method: 'GET', path: `${S}/update/${NO_UPDATE}/events`, need: { stack: 'read' } },
  { method: 'POST', path: `${S}/preview`, need: { stack: 'read' }, body: ['not', 'an', 'object'] },
  { method: 'POST', path: `${S}/update`, need: { stack: 'write' }, body: ['not', 'an', 'object'] },
  { method: 'POST', path: `${S}/refresh`, need: { stack: 'write' }, body: ['not', 'an', 'object'] },
  { method: 'POST', path: `${S}/destroy`, need: { stack: 'write' }, body: ['not', 'an', 'object'] },
  { method: 'POST', path: `${S}/update/${NO_UPDATE}`, need: { stack: 'read' }, body: {} },
  { method: 'POST', path: `${S}/update/${NO_UPDATE}/cancel`, need: { stack: 'write' } },
  { method: 'POST', path: `${S}/import`, need: { stack: 'write' }, body: '' },
  { method: 'PATCH', path: `${S}/tags`, need: { stack: 'write' }, body: ['not', 'a', 'map'] },
  { method: 'POST', path: `${S}/tags`, need: { stack: 'write' }, body: { name: 'x' } },
  { method: 'DELETE', path: `${S}/tags/no-such-tag`, need: { stack: 'write' } },
  { method: 'POST', path: `${S}/encrypt`, need: { stack: 'write' }, body: { plaintext: 5 } },
  { method: 'POST', path: `${S}/batch-encrypt`, need: { stack: 'write' }, body: { plaintexts: 5 } },
  { method: 'POST', path: `${S}/decrypt`, need: { stack: 'read' }, body: { ciphertext: 5 } },
  { method: 'POST', path: `${S}/batch-decrypt`, need: { stack: 'read' }, body: { ciphertexts: 5 } },
  { method: 'POST', path: `${S}/decrypt/log-decryption`, need: { stack: 'read' }, body: { secretName: 'matrix' } },
  { method: 'POST', path: `${S}/decrypt/log-batch-decryption`, need: { stack: 'read' }, body: { commandName: 'matrix' } },
  { method: 'GET', path: `${S}/access`, need: { stack: 'read' } },
  { method: 'GET', path: `/api/console/orgs/${ORG}/members/admin/stacks/${PROJECT}/${STACK}`, need: { stack: 'admin' } },
  { method: 'POST', path: `${S}/rename`, need: { stack: 'admin' }, body: {} },
  { method: 'POST', path: `${S}/transfer`, need: { stack: 'admin', transfer: true }, body: {} },
  { method: 'DELETE', path: `${S}?force=maybe`, need: { stack: 'admin' } },
  { method: 'GET', path: `${S}/teams`, need: { stack: 'read' } },
  { method: 'PATCH', path: `/api/console/stacks/${ORG}/${PROJECT}/${STACK}/teams/readers`, need: { stack: 'admin' }, body: { permissions: 'all of them' } },
  { method: 'GET', path: `${S}/collaborators`, need: { stack: 'read' } },
  { method: 'GET', path: O, need: { org: 'member' } },
  { method: 'GET', path: `${O}/metadata`, need: { org: 'member' } },
  { method: 'PATCH', path: O, need: { org: 'admin' }, body: { setDefaultStackPermission: 'everything' } },
  { method: 'GET', path: `${O}/members`, need: { org: 'member' } },
  { method: 'POST', path: `${O}/members/nobody-at-all`, need: { org: 'admin' }, body: { role: 'emperor' } },
  { method: 'PATCH', path: `${O}/members/carol`, need: { org: 'admin' }, body: { role: 'emperor' } },
  { method: 'GET', path: `${O}/teams`, need: { org: 'member' } },
  { method: 'POST', path: `${O}/teams/pulumi`, need: { org: 'admin' }, body: { name: 7 } },
  { method: 'GET', path: `${O}/teams/readers`, need: { org: 'member' } },
  { method: 'PATCH', path: `${O}/teams/readers`, need: { org: 'admin' }, body: { memberAction: 'juggle', member: 'carol' } },
  { method: 'DELETE', path: `${O}/teams/no-such-team`, need: { org: 'admin' } },
  { method: 'GET', path: `${O}/roles`, need: { org: 'member' } },
  { method: 'POST', path: `${O}/roles`, need: { org: 'admin' }, body: { name: 7 } },
  { method: 'GET', path: `${O}/roles/scopes`, need: { org: 'member' } },
  { method: 'GET', path: `${O}/tokens`, need: { org: 'admin' } },
  { method: 'POST', path: `${O}/tokens`, need: { org: 'admin' }, body: { name: 7 } },
  { method: 'GET', path: `${O}/teams/readers/tokens`, need: { org: 'admin' } },
  { method: 'GET', path: `${O}/auditlogs`, need: { org: 'admin' } },
  { method: 'GET', path: `${O}/oidc/issuers`, need: { org: 'admin' } },
  { method: 'GET', path: `${O}/scim/token`, need: { org: 'admin' } },
];

/** The principals: every organization role and every stack level, through users, teams, tokens and a custom role. */
interface Who {
  name: string;
  /** What they hold on the stack under test. */
  level: 'none' | 'read' | 'write' | 'admin';
  standing: 'admin' | 'member' | 'outsider';
  /** Holds a custom role of its own (which replaces the member settings). */
  customRole?: boolean;
  token: string;
}

const RANK = { none: 0, read: 1, write: 2, admin: 3 } as const;

/** Expected: 'allowed', or the refusal status. Written from Pulumi's rules, not from Stackyard's code. */
function expected(route: Route, who: Who): 'allowed' | 403 | 404 {
  if (route.need === 'caller') return 'allowed';
  if ('org' in route.need) {
    if (who.standing === 'outsider') return 404;
    if (who.standing === 'admin') return 'allowed';
    if (route.need.org === 'admin') return 403;
    return route.need.org === 'create-stacks' && who.customRole ? 403 : 'allowed';
  }
  if ('transfer' in route.need && who.level === 'admin' && who.standing !== 'admin') return 403;
  if (RANK[who.level] >= RANK[route.need.stack]) return 'allowed';
  return who.level === 'none' ? 404 : 403;
}

/** A refusal by authorization (as opposed to the route's own 4xx about the made-up body or id). */
function refusal(status: number, body: unknown): 403 | 404 | undefined {
  const raw = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
  const message = typeof raw === 'string' ? raw : '';
  if (status === 403) return 403;
  if (status === 404 && /^(Not Found: )?(Stack '[^']*' not found|Organization '[^']*' not found)/.test(message)) return 404;
  return undefined;
}

void describe('permission matrix: every principal × every route', { timeout: 15 * 60_000 }, () => {
  let slapd: SlapdPeer;
  let started: StartedSuite;
  let rest: RestClient;
  const principals: Who[] = [];

  before(async () => {
    slapd = await startSlapd();
    const ldap = { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn };
    const directories = JSON.stringify([
      { id: 'corp', displayName: 'Corporate LDAP', organization: ORG, teamMappings: [], ldap },
      { id: 'partner', displayName: 'Partner LDAP', organization: 'outsiders', teamMappings: [], ldap },
    ]);
    const [binary, suite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode('embedded', { serviceEnv: { identity: { STACKYARD_DIRECTORIES: directories } } })]);
    started = suite;
    trustInstallationCa(started.suite.caFile);
    rest = new RestClient(started.suite.apiUrl);
    const admin = started.suite.adminToken;
    const { alice, carol } = slapd.users;
    const aliceToken = await directoryUserToken(started.suite.consoleUrl, 'corp', alice.username, alice.password);
    const carolToken = await directoryUserToken(started.suite.consoleUrl, 'corp', carol.username, carol.password);
    const outsiderToken = await directoryUserToken(started.suite.consoleUrl, 'partner', carol.username, carol.password);

    // A stack with history (so export/1 and updates exist), created by the administrator.
    const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: admin, cwd: sharedProjectDir(PROJECT) });
    await cli.login(started.suite.apiUrl);
    await initStack(cli, `${ORG}/${PROJECT}/${STACK}`);
    await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: `${ORG}/${PROJECT}/${STACK}`, program: { resources: 1, generation: 1 } });

    await rest.ok('PATCH', O, admin, { setDefaultStackPermission: 0 });
    const team = async (name: string, permission: 101 | 102 | 103, member?: string): Promise<string> => {
      await rest.ok('POST', `${O}/teams/pulumi`, admin, { organization: ORG, name, displayName: name, description: '' });
      await rest.ok('PATCH', `${O}/teams/${name}`, admin, { addStackPermission: { projectName: PROJECT, stackName: STACK, permission } });
      if (member) await rest.ok('PATCH', `${O}/teams/${name}`, admin, { memberAction: 'add', member });
      const created = await rest.ok<CreateAccessTokenResponse>('POST', `${O}/teams/${name}/tokens`, admin, { name: `${name}-token`, description: 'matrix', expires: 0 });
      return created.tokenValue;
    };
    const readersToken = await team('readers', 101);
    const writersToken = await team('writers', 102);
    await team('stack-admins', 103, 'alice');
    const role = await rest.ok<{ id: string }>('POST', `${O}/roles`, admin, { name: 'stack-reader', description: 'reads every stack', scopes: ['stack:read'], stackRules: [] });
    const roleToken = await rest.ok<CreateAccessTokenResponse>('POST', `${O}/tokens`, admin, { name: 'role-token', description: 'custom role', expires: 0, roleID: role.id });
    const memberOrgToken = await rest.ok<CreateAccessTokenResponse>('POST', `${O}/tokens`, admin, { name: 'member-token', description: 'member role', expires: 0, admin: false });
    const adminOrgToken = await rest.ok<CreateAccessTokenResponse>('POST', `${O}/tokens`, admin, { name: 'admin-token', description: 'admin role', expires: 0, admin: true });

    principals.push(
      { name: 'organization admin (user)', level: 'admin', standing: 'admin', token: admin },
      { name: 'organization admin (organization token)', level: 'admin', standing: 'admin', token: adminOrgToken.tokenValue },
      { name: 'stack admin through a team (user)', level: 'admin', standing: 'member', token: aliceToken },
      { name: 'Write (team token)', level: 'write', standing: 'member', token: writersToken },
      { name: 'Read (team token)', level: 'read', standing: 'member', token: readersToken },
      { name: 'Read through a custom role (organization token)', level: 'read', standing: 'member', customRole: true, token: roleToken.tokenValue },
      { name: 'member with no access (user)', level: 'none', standing: 'member', token: carolToken },
      { name: 'member with no access (organization token)', level: 'none', standing: 'member', token: memberOrgToken.tokenValue },
      { name: 'not a member (user of another organization)', level: 'none', standing: 'outsider', token: outsiderToken },
    );
  });

  after(async () => {
    await started?.stop();
    await slapd?.stop();
  });

  void it(`covers at least 40 routes`, () => {
    assert.ok(ROUTES.length >= 40, `${ROUTES.length} routes`);
    assert.equal(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size, ROUTES.length, 'each route once');
  });

  for (const route of ROUTES) {
    void it(`${route.method} ${route.path}`, async () => {
      const wrong: string[] = [];
      for (const who of principals) {
        const want = expected(route, who);
        const answer = await rest.call(route.method, route.path, who.token, route.body);
        const got = refusal(answer.status, answer.body) ?? (answer.status === 401 || answer.status >= 500 ? answer.status : 'allowed');
        if (got !== want) wrong.push(`${who.name}: expected ${want}, got ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`);
      }
      assert.deepEqual(wrong, []);
    });
  }

  void it('left the stack as it was', async () => {
    const stack = await rest.ok<{ tags: Record<string, string>; version: number }>('GET', S, started.suite.adminToken);
    assert.equal(stack.version, 1);
  });
});
