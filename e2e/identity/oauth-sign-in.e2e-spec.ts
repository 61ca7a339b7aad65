import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_RESOLVE_PATH, type Principal } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { type FakeOAuthProvider, type FakeOAuthProviderKind, nonConformingExchanges, PulumiCli, removeTempDir, startFakeOAuthProvider, tempDir, TestBrowser } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { cliBrowserLogin } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Issue 5, OAuth sign-in with the real CLI: for GitHub Enterprise Server, GitLab and Bitbucket Data
 * Center — each a fake on 127.0.0.1 with its own test CA that identity trusts through the
 * provider's `caFile`, its answers validated against the vendor's API description — a person runs
 * `pulumi login`'s browser flow, signs in with the provider, and the CLI's token names them in
 * `pulumi whoami`; the provider's organization / group / project put them in the mapped team.
 * Refusals (a state not from this browser, a replayed state, denied consent, a code the provider
 * will not exchange) give a clear page and an audit line, and sign no one in.
 */

const ORG = 'acme';

interface Provider {
  id: string;
  kind: FakeOAuthProviderKind;
  displayName: string;
  user: string;
  login: string;
  group: string;
  team: string;
}

const PROVIDERS: Provider[] = [
  { id: 'corp-github', kind: 'github-enterprise', displayName: 'GitHub Enterprise', user: 'mona', login: 'mona', group: 'acme-eng/platform', team: 'platform' },
  { id: 'corp-gitlab', kind: 'gitlab', displayName: 'GitLab', user: 'jsmith', login: 'jsmith', group: 'acme/sre', team: 'sre' },
  { id: 'corp-bitbucket', kind: 'bitbucket-data-center', displayName: 'Bitbucket', user: 'jcitizen', login: 'jcitizen', group: 'PLAT', team: 'platform' },
];

const fakes = new Map<string, FakeOAuthProvider>();
let workDir: string;

before(async () => {
  workDir = tempDir('stackyard-e2e-oauth');
  fakes.set(
    'corp-github',
    await startFakeOAuthProvider({
      kind: 'github-enterprise',
      maxPageSize: 1,
      users: [
        { id: 4242, username: 'mona', name: 'Mona Lisa', email: 'mona@corp.test', organizations: ['acme-eng', 'acme-labs'], teams: [{ organization: 'acme-eng', slug: 'platform' }] },
        { id: 4243, username: 'eve', name: 'Eve', email: 'eve@corp.test', organizations: ['acme-eng'] },
      ],
    }),
  );
  fakes.set('corp-gitlab', await startFakeOAuthProvider({ kind: 'gitlab', contextPath: '/gitlab', users: [{ id: 17, username: 'jsmith', name: 'Jane Smith', email: 'jane@corp.test', groups: ['acme', 'acme/sre'] }] }));
  fakes.set(
    'corp-bitbucket',
    await startFakeOAuthProvider({ kind: 'bitbucket-data-center', users: [{ id: 101, username: 'jcitizen', name: 'Jane Citizen', email: 'jcitizen@corp.test', projects: [{ key: 'PLAT', permission: 'PROJECT_WRITE' }, { key: 'DOCS', permission: 'PROJECT_READ' }] }] }),
  );
});

after(async () => {
  await Promise.all([...fakes.values()].map((f) => f.stop()));
  if (workDir) removeTempDir(workDir);
});

/** `STACKYARD_OAUTH_PROVIDERS` as an operator writes it: secrets and CAs in mounted files. */
function oauthProviders(): string {
  return JSON.stringify(
    PROVIDERS.map((p) => {
      const fake = fakes.get(p.id)!;
      const secretFile = join(workDir, `${p.id}.secret`);
      const caFile = join(workDir, `${p.id}-ca.pem`);
      writeFileSync(secretFile, `${fake.clientSecret}\n`, { mode: 0o600 });
      writeFileSync(caFile, fake.caPem);
      return {
        id: p.id,
        displayName: p.displayName,
        organization: ORG,
        teamMappings: [{ group: p.group, team: p.team }],
        ...(p.kind === 'github-enterprise' ? { allowedGroups: ['acme-eng'] } : {}),
        kind: p.kind,
        baseUrl: fake.baseUrl,
        clientId: fake.clientId,
        clientSecretFile: secretFile,
        caFile,
      };
    }),
  );
}

/** The sign-in page's button for a provider (as the browser would follow it). */
async function startAtButton(browser: TestBrowser, signInPage: string, methodId: string) {
  const page = await browser.request(signInPage);
  assert.equal(page.status, 200, page.body);
  const link = new RegExp(`href="(/login/oauth/${methodId}[^"]*)"`).exec(page.body);
  assert.ok(link, `the sign-in page offers ${methodId}:\n${page.body}`);
  const started = await browser.request(link[1].replace(/&amp;/g, '&'));
  assert.equal(started.status, 303, started.body);
  assert.ok(browser.jar.has('__Host-stackyard-oauth'), 'the state is bound to this browser');
  return started.location!;
}

/** At the provider: the person (`as` null: their refusal) answers the authorize page; the redirect back to the console. */
async function atProvider(browser: TestBrowser, fake: FakeOAuthProvider, authorizeUrl: string, as: string | null): Promise<string> {
  assert.ok(authorizeUrl.startsWith(`${fake.baseUrl}/`), `sent to the provider, not ${authorizeUrl}`);
  if (as === null) fake.denyNextConsent();
  else fake.signInAs(as);
  const answered = await browser.request(authorizeUrl);
  assert.equal(answered.status, 302, answered.body);
  return answered.location!;
}

function signInWith(provider: Provider) {
  return async (browser: TestBrowser, signInPage: string): Promise<string> => {
    const fake = fakes.get(provider.id)!;
    const callback = await atProvider(browser, fake, await startAtButton(browser, signInPage, provider.id), provider.user);
    const done = await browser.request(callback);
    assert.equal(done.status, 303, done.body);
    assert.equal(browser.jar.has('__Host-stackyard-oauth'), false, 'the state cookie is gone after use');
    return done.location!;
  };
}

for (const mode of selectedModes()) {
  describe(`OAuth sign-in (GitHub Enterprise, GitLab, Bitbucket Data Center) and CLI browser login with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    let identity: InternalClient;

    const principalOf = (token: string) => identity.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: createHash('sha256').update(token).digest('hex') });
    const audit = () => auditEvents(started.suite.services.identity.logFile);
    const cliWith = (token: string) => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-oauth-cli') });

    before(async () => {
      [binary, started] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode, { serviceEnv: { identity: { STACKYARD_OAUTH_PROVIDERS: oauthProviders() } } })]);
      // The test's browser trusts the installation's CA and each provider's, as one told to would.
      setDefaultCACertificates([...getCACertificates('default'), readFileSync(started.suite.caFile, 'utf8'), ...[...fakes.values()].map((f) => f.caPem)]);
      const { pki } = started.suite;
      identity = new InternalClient({ baseUrl: started.suite.services.identity.url, expectService: 'identity', caFile: pki.caFile, certFile: pki.services.api.certFile, keyFile: pki.services.api.keyFile });
    });

    after(async () => {
      identity?.close();
      await started?.stop();
    });

    for (const provider of PROVIDERS) {
      void it(`logs the CLI in as a ${provider.displayName} user, whose ${provider.kind === 'bitbucket-data-center' ? 'project' : 'group'} lands them in the mapped team`, async () => {
        const { token } = await cliBrowserLogin(started.suite.consoleUrl, signInWith(provider));
        const cli = cliWith(token);
        await cli.login(started.suite.apiUrl);
        const whoami = await cli.ok(['whoami', '--verbose']);
        assert.match(whoami.stdout, new RegExp(`User: ${provider.login}\\b`));
        assert.match(whoami.stdout, new RegExp(`Organizations: .*\\b${ORG}\\b`));
        const principal = await principalOf(token);
        assert.equal(principal.login, provider.login);
        assert.equal(principal.token.kind, 'personal');
        assert.deepEqual(principal.teams, [{ organization: ORG, team: provider.team }]);
        assert.ok(audit().some((e) => e['event'] === 'auth.sign-in.succeeded' && e['method'] === provider.id && e['username'] === provider.user && e['user'] === provider.login));
        const authorize = fakes.get(provider.id)!.authorizeRequests.at(-1)!;
        assert.equal(authorize.get('code_challenge_method'), 'S256', 'PKCE');
        assert.equal(authorize.get('redirect_uri'), `${started.suite.consoleUrl}/login/oauth/${provider.id}/callback`);
      });
    }

    void it('refuses a state from another browser, a replayed state, denied consent and a refused code, with a clear page and an audit line', async () => {
      const github = PROVIDERS[0];
      const fake = fakes.get(github.id)!;
      const consoleUrl = started.suite.consoleUrl;
      const failed = (reason: string) => audit().filter((e) => e['event'] === 'auth.sign-in.failed' && e['method'] === github.id && e['reason'] === reason);

      // Another browser completing this browser's sign-in (login CSRF): refused, and the real one still works.
      const victim = new TestBrowser(consoleUrl);
      const callback = await atProvider(victim, fake, await startAtButton(victim, '/login', github.id), github.user);
      const attacker = new TestBrowser(consoleUrl);
      const foreign = await attacker.request(callback);
      assert.equal(foreign.status, 401, foreign.body);
      assert.match(foreign.body, /not started in this browser/);
      assert.equal(attacker.jar.has('__Host-stackyard-session'), false);
      assert.equal(failed('state-mismatch').length, 1);
      const stateCookie = victim.jar.get('__Host-stackyard-oauth')!;
      const completed = await victim.request(callback);
      assert.equal(completed.status, 303, completed.body);
      assert.ok(victim.jar.has('__Host-stackyard-session'));

      // The same callback again, even with the state cookie put back: used up.
      victim.jar.set('__Host-stackyard-oauth', stateCookie);
      victim.jar.delete('__Host-stackyard-session');
      const replayed = await victim.request(callback);
      assert.equal(replayed.status, 401, replayed.body);
      assert.match(replayed.body, /already been used/);
      assert.equal(victim.jar.has('__Host-stackyard-session'), false);
      assert.equal(failed('state-replayed').length, 1);

      // The person says no at the provider.
      const denying = new TestBrowser(consoleUrl);
      const denied = await denying.request(await atProvider(denying, fake, await startAtButton(denying, '/login?next=%2Fstacks', github.id), null));
      assert.equal(denied.status, 403, denied.body);
      assert.match(denied.body, /did not allow Stackyard to use your GitHub Enterprise account/);
      assert.match(denied.body, /href="\/login\?next=%2Fstacks"/, 'the way back keeps where the person was going');
      assert.equal(denying.jar.has('__Host-stackyard-session'), false);
      assert.equal(failed('access-denied').length, 1);

      // The provider will not exchange the code.
      const refused = new TestBrowser(consoleUrl);
      const refusedCallback = await atProvider(refused, fake, await startAtButton(refused, '/login', github.id), github.user);
      fake.failNextTokenExchange('invalid-grant');
      const exchange = await refused.request(refusedCallback);
      assert.equal(exchange.status, 401, exchange.body);
      assert.match(exchange.body, /did not accept this sign-in/);
      assert.equal(failed('code-exchange-failed').length, 1);
      assert.match(String(failed('code-exchange-failed')[0]['detail']), /bad_verification_code/);

      // A GitHub Enterprise account outside the allowed organizations.
      const outsider = new TestBrowser(consoleUrl);
      const outside = await outsider.request(await atProvider(outsider, fake, await startAtButton(outsider, '/login', github.id), 'mona'));
      assert.equal(outside.status, 303, 'mona is in acme-eng');
      fake.updateUser('eve', { organizations: ['elsewhere'] });
      const eve = new TestBrowser(consoleUrl);
      const refusedEve = await eve.request(await atProvider(eve, fake, await startAtButton(eve, '/login', github.id), 'eve'));
      assert.equal(refusedEve.status, 403, refusedEve.body);
      assert.match(refusedEve.body, /not in a group allowed to sign in/);
      assert.equal(failed('not-in-allowed-group').length, 1);
    });

    void it('keeps codes, tokens and client secrets out of the logs, and every fake answer conforms to its vendor description', () => {
      const logs = ['identity', 'consoleBackend'].map((key) => readFileSync(started.suite.services[key as 'identity' | 'consoleBackend'].logFile, 'utf8')).join('\n');
      for (const fake of fakes.values()) {
        assert.ok(!logs.includes(fake.clientSecret), `${fake.kind}: no client secret in the logs`);
        for (const exchange of fake.exchanges) {
          const body = exchange.body as Record<string, unknown>;
          for (const secret of [body['code'], body['access_token'], body['refresh_token']]) if (typeof secret === 'string') assert.ok(!logs.includes(secret), `${fake.kind}: no code or token in the logs`);
        }
        assert.deepEqual(nonConformingExchanges(fake.kind, fake.exchanges), []);
      }
    });
  });
}
