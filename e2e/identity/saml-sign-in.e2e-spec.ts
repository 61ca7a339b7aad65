import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_RESOLVE_PATH, identityOrgSamlPath, type Principal, type SamlConfigResponse } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { freePort, hiddenField, PulumiCli, type SimpleSamlPhpPeer, startSimpleSamlPhp, tempDir, TestBrowser } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { cliBrowserLogin, trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * SAML 2.0 sign-in per organization with the real CLI: the organization's IdP (SimpleSAMLphp) is
 * configured at identity, a person signs in through it during `pulumi login`'s browser flow (the
 * test plays the browser, the IdP's auto-posted form and the CLI's loopback listener), the real
 * `pulumi whoami` names them, and the IdP group put them in the mapped team. Replayed, unsigned
 * and tampered assertions get a clear page, an audit line and no session.
 */

const ORG = 'acme';
const CAROL = { username: 'carol', password: 'carol-password', mail: 'carol@acme.test', displayName: 'Carol Example', groups: ['platform-engineers', 'everyone'] };
const DAVE = { username: 'dave', password: 'dave-password', mail: 'dave@acme.test', displayName: 'Dave Example', groups: ['everyone'] };

/** SimpleSAMLphp's responses use saml:/ds: prefixes; these edits stay within the one assertion. */
const ASSERTION = /<saml:Assertion\b[\s\S]*?<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/;
const edited = (samlResponse: string, edit: (assertion: string) => string) => {
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  return Buffer.from(xml.replace(ASSERTION, (assertion) => edit(assertion)), 'utf8').toString('base64');
};
const withoutSignature = (samlResponse: string) => edited(samlResponse, (assertion) => assertion.replace(SIGNATURE, ''));
const withNameId = (samlResponse: string, nameId: string) => edited(samlResponse, (assertion) => assertion.replace(/(<saml:NameID\b[^>]*>)[^<]*(<\/saml:NameID>)/, `$1${nameId}$2`));

for (const mode of selectedModes()) {
  describe(`SAML sign-in and CLI browser login with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let idp: SimpleSamlPhpPeer;
    let binary: string;
    let consoleUrl: string;
    let principals: InternalClient;
    /** The last SAMLResponse a browser posted to the console, and that browser's sign-in state then (for the replay). */
    let lastSamlResponse = '';
    let lastSamlState = '';

    const spEntityId = () => `${consoleUrl}/saml/${ORG}`;
    const acsUrl = () => `${spEntityId()}/acs`;
    const audit = () => auditEvents(started.suite.services.identity.logFile);
    const principalOf = (token: string) => principals.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: createHash('sha256').update(token).digest('hex') });
    const cliWith = (token: string) => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-saml') });

    /** Starts a SAML sign-in at the console (the state cookie set) and signs in at the IdP; the IdP's answer. */
    async function throughIdp(browser: TestBrowser, signInPage: string, user: typeof CAROL): Promise<{ samlResponse: string; relayState: string | undefined }> {
      const page = await browser.request(signInPage);
      assert.equal(page.status, 200, page.body);
      const link = new RegExp(`<a class="button" href="(/login/saml/${ORG}[^"]*)">Sign in with ${ORG} SSO</a>`).exec(page.body);
      assert.ok(link, `the sign-in page offers ${ORG} SSO:\n${page.body}`);
      const toIdp = await browser.request(link[1].replace(/&amp;/g, '&'));
      assert.equal(toIdp.status, 303, toIdp.body);
      assert.ok(toIdp.location?.startsWith(`${idp.baseUrl}/saml2/idp/SSOService.php?SAMLRequest=`), toIdp.location ?? '');
      const answer = await idp.signIn({ authorizeUrl: toIdp.location!, username: user.username, password: user.password });
      assert.equal(answer.kind, 'saml-response', answer.kind === 'login-refused' ? answer.error : '');
      assert.equal(answer.acsUrl, acsUrl(), 'the IdP posts to the organization’s ACS on the console host');
      return { samlResponse: answer.samlResponse, relayState: answer.relayState };
    }

    /** The IdP's auto-submitting form, as the browser sends it: a cross-site POST from the IdP's origin. */
    function postToAcs(browser: TestBrowser, samlResponse: string, relayState?: string) {
      return browser.request(new URL(acsUrl()).pathname, {
        form: { SAMLResponse: samlResponse, ...(relayState !== undefined ? { RelayState: relayState } : {}) },
        origin: idp.baseUrl,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
    }

    function signInThroughSaml(user: typeof CAROL) {
      return async (browser: TestBrowser, signInPage: string): Promise<string> => {
        const { samlResponse, relayState } = await throughIdp(browser, signInPage, user);
        lastSamlState = browser.jar.get('__Host-stackyard-saml') ?? '';
        const posted = await postToAcs(browser, samlResponse, relayState);
        assert.equal(posted.status, 303, posted.body);
        lastSamlResponse = samlResponse;
        return posted.location!;
      };
    }

    before(async () => {
      // The SP lives on the console host, and the IdP must know it before the suite starts.
      const consolePort = await freePort();
      consoleUrl = `https://127.0.0.1:${consolePort}`;
      [binary, idp] = await Promise.all([PulumiCli.binaryPath(), startSimpleSamlPhp({ sp: { entityId: `${consoleUrl}/saml/${ORG}`, acsUrl: `${consoleUrl}/saml/${ORG}/acs` }, users: [CAROL, DAVE] })]);
      started = await startSuiteInMode(mode, { org: ORG, ports: { consoleBackend: consolePort } });
      assert.equal(started.suite.consoleUrl, consoleUrl);
      trustInstallationCa(started.suite.caFile);
      const { pki } = started.suite;
      // The operator uploads the organization's IdP metadata over identity's internal API (the
      // console's certificate), as with the other admin commands; org admins use the console.
      const operator = new InternalClient({ baseUrl: started.suite.services.identity.url, expectService: 'identity', caFile: pki.caFile, certFile: pki.services['console-backend'].certFile, keyFile: pki.services['console-backend'].keyFile });
      try {
        const config = await operator.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml, teamMappings: [{ group: 'platform-engineers', team: 'platform' }] });
        assert.equal(config.enabled, true);
        assert.deepEqual(config.serviceProvider, { entityId: spEntityId(), acsUrl: acsUrl(), metadataUrl: `${spEntityId()}/metadata` });
      } finally {
        operator.close();
      }
      principals = new InternalClient({ baseUrl: started.suite.services.identity.url, expectService: 'identity', caFile: pki.caFile, certFile: pki.services.api.certFile, keyFile: pki.services.api.keyFile });
    });

    after(async () => {
      principals?.close();
      await started?.stop();
      await idp?.stop();
    });

    void it('serves the organization’s SP metadata on the console host: the entity ID and ACS the IdP knows', async () => {
      const res = await fetch(`${spEntityId()}/metadata`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/samlmetadata+xml; charset=utf-8');
      const xml = await res.text();
      assert.match(xml, new RegExp(`entityID="${spEntityId()}"`));
      assert.match(xml, new RegExp(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acsUrl()}"`));
    });

    void it('logs the CLI in through the organization’s IdP: whoami names the SAML user, the IdP group is the mapped team', async () => {
      const { token, browser } = await cliBrowserLogin(consoleUrl, signInThroughSaml(CAROL));
      assert.equal(browser.jar.has('__Host-stackyard-saml'), false, 'the sign-in state was used once and dropped');
      const cli = cliWith(token);
      const login = await cli.login(started.suite.apiUrl);
      assert.match(login.stdout + login.stderr, /Logged in to .*127\.0\.0\.1.* as carol\b/);
      const whoami = await cli.ok(['whoami', '--verbose']);
      assert.match(whoami.stdout, /User: carol\b/);
      assert.match(whoami.stdout, new RegExp(`Organizations: .*\\b${ORG}\\b`));
      assert.match(whoami.stdout, /Token type: personal/);
      const principal = await principalOf(token);
      assert.equal(principal.login, 'carol');
      assert.equal(principal.name, CAROL.displayName);
      assert.equal(principal.email, CAROL.mail);
      assert.deepEqual(principal.organizations, [{ name: ORG, role: 'member' }]);
      assert.deepEqual(principal.teams, [{ organization: ORG, team: 'platform' }]);
      const succeeded = audit().filter((e) => e['event'] === 'auth.sign-in.succeeded' && e['method'] === `saml:${ORG}`);
      assert.deepEqual(
        succeeded.map((e) => [e['user'], e['userCreated'], e['teamsAdded']]),
        [['carol', true, 1]],
      );
    });

    void it('refuses a replayed, a foreign, an unsigned and a tampered assertion with a clear page and an audit line, and no session', async () => {
      assert.ok(lastSamlResponse && lastSamlState, 'the sign-in above ran');
      /** A browser that started its own sign-in and got the IdP's answer for dave (not posted yet). */
      const fresh = async () => {
        const browser = new TestBrowser(consoleUrl);
        return { browser, ...(await throughIdp(browser, '/login', DAVE)) };
      };
      const cases = [
        {
          // Carol's response posted again with the sign-in state it answered (a resubmitted form, or
          // someone who copied both): the assertion was used once already.
          name: 'replayed',
          reason: 'replayed',
          message: /SAML sign-in refused: this assertion was already used to sign in/,
          attempt: () => {
            const browser = new TestBrowser(consoleUrl);
            browser.jar.set('__Host-stackyard-saml', lastSamlState);
            return Promise.resolve({ browser, samlResponse: lastSamlResponse, relayState: undefined });
          },
        },
        {
          // Carol's response injected into a browser that started its own sign-in (login CSRF).
          name: 'foreign',
          reason: 'unknown-request',
          message: /SAML sign-in refused: the response answers another AuthnRequest than the one this browser started/,
          attempt: async () => ({ ...(await fresh()), samlResponse: lastSamlResponse }),
        },
        {
          name: 'unsigned',
          reason: 'unsigned',
          message: /SAML sign-in refused: the assertion is not signed/,
          attempt: async () => {
            const answer = await fresh();
            return { ...answer, samlResponse: withoutSignature(answer.samlResponse) };
          },
        },
        {
          name: 'tampered (NameID changed after signing)',
          reason: 'bad-signature',
          message: /SAML sign-in refused: the assertion&#39;s signature does not verify/,
          attempt: async () => {
            const answer = await fresh();
            return { ...answer, samlResponse: withNameId(answer.samlResponse, CAROL.mail) };
          },
        },
      ];
      for (const c of cases) {
        const failuresBefore = audit().filter((e) => e['event'] === 'auth.sign-in.failed').length;
        const { browser, samlResponse, relayState } = await c.attempt();
        const page = await postToAcs(browser, samlResponse, relayState);
        assert.equal(page.status, 401, `${c.name}: ${page.body}`);
        assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.match(page.body, c.message, c.name);
        assert.equal(browser.jar.has('__Host-stackyard-session'), false, `${c.name}: no session`);
        const failures = audit().filter((e) => e['event'] === 'auth.sign-in.failed');
        assert.equal(failures.length, failuresBefore + 1, c.name);
        assert.equal(failures.at(-1)?.['reason'], c.reason, c.name);
        assert.equal(failures.at(-1)?.['method'], `saml:${ORG}`);
      }
      const log = readFileSync(started.suite.services.identity.logFile, 'utf8') + readFileSync(started.suite.services.consoleBackend.logFile, 'utf8');
      assert.ok(!log.includes(lastSamlResponse.slice(0, 64)), 'no assertion in the logs');
      assert.equal(audit().filter((e) => e['event'] === 'auth.sign-in.succeeded' && e['user'] === 'dave').length, 0, 'dave never signed in');
    });

    void it('lets only organization admins change the SAML configuration through the console (a SAML member gets 403)', async () => {
      const browser = new TestBrowser(consoleUrl);
      const { samlResponse, relayState } = await throughIdp(browser, '/login', CAROL);
      assert.equal((await postToAcs(browser, samlResponse, relayState)).status, 303);
      const csrf = hiddenField((await browser.request('/')).body, 'csrf');
      const res = await fetch(`${consoleUrl}/api/console/orgs/${ORG}/saml`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', origin: consoleUrl, cookie: `__Host-stackyard-session=${browser.jar.get('__Host-stackyard-session')}`, 'x-csrf-token': csrf },
        body: JSON.stringify({ idpMetadataXml: idp.metadataXml, enabled: false }),
      });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { code: 403, message: `Forbidden: only an admin of organization '${ORG}' may see or change its SAML configuration` });
      assert.equal(audit().filter((e) => e['event'] === 'sso.config.updated').length, 1, 'only the operator’s upload');
    });

    void it('keeps the bootstrap admin’s token working while the organization requires SAML (break-glass)', async () => {
      const cli = cliWith(started.suite.adminToken);
      await cli.login(started.suite.apiUrl);
      assert.match((await cli.ok(['whoami'])).stdout.trim(), new RegExp(`^${started.suite.adminLogin}$`));
    });
  });
}
