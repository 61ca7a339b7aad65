import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type ApiCreateScimTokenResponse,
  apiScimTokenPath,
  IDENTITY_RESOLVE_PATH,
  identityOrgSamlPath,
  type Principal,
  type ScimTokenStatusResponse,
} from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { PulumiCli, type SimpleSamlPhpPeer, type SimpleSamlPhpUser, startSimpleSamlPhp, tempDir, TestBrowser } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { cliBrowserLogin, trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { type ComplianceResult, runCompliance, runDeactivate, runProvision, scimClientPeer } from './support/scim-client';

/**
 * SCIM 2.0 provisioning of a SAML organization, checked by an independent SCIM client: PyPI's
 * scim2-tester (a SCIM server compliance checker) and its scim2-client, in a virtualenv from
 * scripts/peers/scim2-tester.sh, against the whole suite at the api's public `/scim/v2/{org}`.
 * The client provisions a user (userName = the NameID SimpleSAMLphp sends) and puts them in a
 * group; the person then signs in through the real IdP during `pulumi login`, is that same user,
 * and is in the group's team; the client deactivates them, and their token stops working with
 * the real `pulumi` CLI while their next SAML sign-in is refused.
 */

const ORG = 'acme';
const ALICE: SimpleSamlPhpUser = { username: 'alice', password: 'alice-password', mail: 'alice@acme.test', displayName: 'Alice at the IdP', groups: [] };
const GROUP = 'Platform Engineers';
const CONTENT_TYPE = /^application\/scim\+json/;

/** Every check that did not succeed outright (nothing is expected to be skipped). */
function failures(results: ComplianceResult[]): ComplianceResult[] {
  return results.filter((r) => r.status !== 'SUCCESS');
}

/** The console's SAML sign-in as a browser does it, with the real IdP in the middle. */
function samlSignIn(idp: SimpleSamlPhpPeer, person: SimpleSamlPhpUser) {
  return async (browser: TestBrowser, signInPage: string) => {
    const posted = await samlAttempt(browser, idp, person, new URL(signInPage, browser.origin).searchParams.get('next') ?? '/');
    assert.equal(posted.status, 303, posted.body);
    return posted.location!;
  };
}

async function samlAttempt(browser: TestBrowser, idp: SimpleSamlPhpPeer, person: SimpleSamlPhpUser, next: string) {
  const started = await browser.request(`/login/saml/${ORG}?${new URLSearchParams({ next }).toString()}`);
  assert.equal(started.status, 303, started.body);
  const answer = await idp.signIn({ authorizeUrl: started.location!, username: person.username, password: person.password });
  assert.equal(answer.kind, 'saml-response', answer.kind === 'login-refused' ? answer.error : '');
  if (answer.kind !== 'saml-response') throw new Error('unreachable');
  // The IdP's page posts cross-site to the console's ACS.
  return browser.request(answer.acsUrl, { form: { SAMLResponse: answer.samlResponse, ...(answer.relayState ? { RelayState: answer.relayState } : {}) }, origin: idp.baseUrl });
}

for (const mode of selectedModes()) {
  describe(`SCIM provisioning checked by a SCIM client (scim2-tester) — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    let idp: SimpleSamlPhpPeer;
    let identity: InternalClient;
    let scim: { baseUrl: string; token: string; caFile: string };
    let aliceId: string;
    /** Alice's CLI, logged in to this suite with the token SAML sign-in gave her. */
    let aliceCli: PulumiCli;
    let aliceToken: string;

    const audit = () => auditEvents(started.suite.services.identity.logFile);
    const api = (path: string, token: string, init: RequestInit = {}) => fetch(`${started.suite.apiUrl}${path}`, { ...init, headers: { authorization: `token ${token}`, ...init.headers } });
    const principalOf = (token: string) => identity.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: createHash('sha256').update(token).digest('hex') });
    const cliWith = (token: string) => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-scim') });

    before(async () => {
      // A missing peer fails here, with how to provision it; nothing is skipped.
      [, binary, started] = await Promise.all([scimClientPeer(), PulumiCli.binaryPath(), startSuiteInMode(mode, { org: ORG })]);
      trustInstallationCa(started.suite.caFile);
      const { suite } = started;
      idp = await startSimpleSamlPhp({ sp: { entityId: `${suite.consoleUrl}/saml/${ORG}`, acsUrl: `${suite.consoleUrl}/saml/${ORG}/acs` }, users: [ALICE] });
      const as = (service: 'api' | 'console-backend') =>
        new InternalClient({ baseUrl: suite.services.identity.url, expectService: 'identity', caFile: suite.pki.caFile, certFile: suite.pki.services[service].certFile, keyFile: suite.pki.services[service].keyFile });
      // The organization's SAML configuration, uploaded as an operator would (identity's own route).
      const operator = as('console-backend');
      try {
        await operator.call('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml });
      } finally {
        operator.close();
      }
      identity = as('api');
    });

    after(async () => {
      identity?.close();
      await idp?.stop();
      await started?.stop();
    });

    void it('lets only an organization admin create the SCIM token, which is no access token and vice versa', async (t) => {
      t.diagnostic(`SCIM client: ${(await scimClientPeer()).description}`);
      const { suite } = started;
      const member = await suite.mintToken('carol', 'cli');
      const refused = await api(apiScimTokenPath(ORG), member.token, { method: 'POST' });
      assert.equal(refused.status, 403, await refused.text());
      const created = await api(apiScimTokenPath(ORG), suite.adminToken, { method: 'POST' });
      assert.equal(created.status, 201);
      const body = (await created.json()) as ApiCreateScimTokenResponse;
      assert.equal(body.scimBaseUrl, `${suite.apiUrl}/scim/v2/${ORG}`);
      assert.match(body.token, /^scim-[0-9a-f]{64}$/);
      scim = { baseUrl: body.scimBaseUrl, token: body.token, caFile: suite.caFile };
      const status = (await (await api(apiScimTokenPath(ORG), suite.adminToken)).json()) as ScimTokenStatusResponse;
      assert.equal(status.token?.id, body.id);

      const asAccessToken = await api('/api/user', body.token);
      assert.equal(asAccessToken.status, 401, 'a SCIM token opens no Pulumi API');
      const withAccessToken = await fetch(`${scim.baseUrl}/Users`, { headers: { authorization: `Bearer ${suite.adminToken}` } });
      assert.equal(withAccessToken.status, 401, 'an access token is no SCIM token');
      assert.match(withAccessToken.headers.get('content-type') ?? '', CONTENT_TYPE);
      assert.deepEqual(await withAccessToken.json(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '401',
        detail: 'the SCIM bearer token is missing, not recognised or revoked',
      });
      assert.ok(audit().some((e) => e['event'] === 'scim.auth.failed' && e['organization'] === ORG && e['reason'] === 'unknown'));
      assert.ok(audit().some((e) => e['event'] === 'scim.token.created' && e['actor'] === suite.adminLogin));
    });

    void it('passes scim2-tester’s RFC 7643/7644 compliance checks: discovery, CRUD, PATCH, projection, errors', async (t) => {
      const { results, client } = await runCompliance(scim);
      t.diagnostic(`scim2-tester ${client['scim2-tester']} (scim2-client ${client['scim2-client']}, Python ${client.python}): ${results.length} checks`);
      for (const result of results) t.diagnostic(`${result.status} ${result.resourceType ?? '-'} ${result.title}`);
      assert.deepEqual(failures(results), []);
      for (const resourceType of ['User', 'Group']) {
        const titles = new Set(results.filter((r) => r.resourceType === resourceType && r.status === 'SUCCESS').map((r) => r.title));
        for (const check of [
          'object_creation',
          'object_query',
          'object_query_without_id',
          'object_query_with_attributes',
          'object_list_with_attributes',
          'search_with_attributes',
          'object_replacement',
          'object_deletion',
          'check_add_attribute',
          'check_replace_attribute',
          'check_remove_attribute',
        ]) {
          assert.ok(titles.has(check), `${resourceType}: ${check} succeeded`);
        }
      }
      assert.ok(results.some((r) => r.title === 'random_url' && r.status === 'SUCCESS'), 'unknown URLs answer a SCIM 404');
    });

    void it('provisions a user and a group membership; SAML sign-in and the CLI see that same user in the team', async () => {
      const { steps } = await runProvision(scim, { userName: ALICE.mail, secondUserName: 'bob@acme.test', groupName: GROUP });
      aliceId = steps.created['id'] as string;
      const bobId = steps.createdSecond['id'] as string;
      assert.equal(steps.created['userName'], ALICE.mail);
      assert.deepEqual(steps.foundByUserName.map((u) => u['id']), [aliceId]);
      assert.equal(steps.updated['displayName'], 'Alice Updated');
      assert.deepEqual((steps.group['members'] as Array<Record<string, unknown>>).map((m) => m['value']).sort(), [aliceId, bobId].sort());

      // Alice signs in through the organization's IdP during `pulumi login`: the NameID is her userName.
      const { token } = await cliBrowserLogin(started.suite.consoleUrl, samlSignIn(idp, ALICE));
      aliceToken = token;
      aliceCli = cliWith(token);
      await aliceCli.login(started.suite.apiUrl);
      const whoami = await aliceCli.ok(['whoami', '--verbose']);
      assert.match(whoami.stdout, /User: alice\b/);
      assert.match(whoami.stdout, new RegExp(`Organizations: .*\\b${ORG}\\b`));
      const principal = await principalOf(token);
      assert.equal(principal.userId, aliceId, 'the SCIM user and the SAML user are one user');
      assert.deepEqual(
        principal.teams.filter((team) => team.organization === ORG),
        [{ organization: ORG, team: 'platform-engineers' }],
        'the SCIM group is a team of the organization, and she is in it',
      );
      const events = audit();
      assert.ok(events.some((e) => e['event'] === 'scim.user.created' && e['userId'] === aliceId && e['userName'] === ALICE.mail));
      assert.ok(events.some((e) => e['event'] === 'scim.group.created' && e['displayName'] === GROUP && e['team'] === 'platform-engineers'));
      assert.ok(events.some((e) => e['event'] === 'scim.group.updated' && (e['membersAdded'] as string[]).includes(aliceId)));
      assert.ok(events.some((e) => e['event'] === 'auth.sign-in.succeeded' && e['method'] === `saml:${ORG}` && e['user'] === 'alice' && e['userCreated'] === false));
    });

    void it('deactivates the user: her token stops working with the CLI and her next SAML sign-in is refused', async () => {
      const { steps } = await runDeactivate(scim, ALICE.mail);
      assert.equal(steps.deactivated['active'], false);
      // The api trusts a resolved token for STACKYARD_PRINCIPAL_CACHE_SECONDS (5 s): well within 30 s.
      // (`stack ls` asks the service each time; `whoami` may answer from the CLI's cached account.)
      const stacks = () => aliceCli.run(['stack', 'ls', '--all']);
      let refused = await stacks();
      for (let deadline = Date.now() + 30_000; refused.code === 0 && Date.now() < deadline; refused = await stacks()) await new Promise((r) => setTimeout(r, 1_000));
      assert.notEqual(refused.code, 0, 'the CLI must be refused once the user is deactivated');
      // A 401 is how the CLI learns its credentials are gone; the api says why.
      assert.match(refused.stderr, /requires logging in/);
      const user = await api('/api/user', aliceToken);
      assert.equal(user.status, 401);
      assert.deepEqual(await user.json(), { code: 401, message: 'Unauthorized: the access token has been revoked' });
      const deactivated = audit().find((e) => e['event'] === 'scim.user.deactivated' && e['userId'] === aliceId);
      assert.ok(deactivated && Number(deactivated['tokensRevoked']) >= 1 && Number(deactivated['sessionsRevoked']) >= 1, JSON.stringify(deactivated));

      const signIn = await samlAttempt(new TestBrowser(started.suite.consoleUrl), idp, ALICE, '/');
      assert.equal(signIn.status, 403, signIn.body);
      assert.match(signIn.body, /deactivated by its organization/);
      assert.ok(audit().some((e) => e['event'] === 'auth.sign-in.failed' && e['method'] === `saml:${ORG}` && e['reason'] === 'deactivated'));
    });
  });
}
