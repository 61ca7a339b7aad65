import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { hashSessionToken } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { type OAuthMethod, OAuthSignInService, SessionService, type SignInOptions, UserProvisioningService } from '@stackyard/identity-feature-sign-in';
import { createOAuthProvider, type OAuthProviderKind } from '@stackyard/identity-oauth';
import type { SignInResponse } from '@stackyard/shared-contracts';
import { runMigrations } from '@stackyard/shared-db';
import { ApiError } from '@stackyard/shared-errors';
import { type FakeOAuthProvider, nonConformingExchanges, removeTempDir, startFakeOAuthProvider, tempDir } from '@stackyard/testing';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { databaseEngines } from './testing/database-engines';

/**
 * OAuth sign-in at identity's service level, on both database engines, against the provider fakes
 * (HTTPS with their own CA, validated against the vendors' descriptions in the testing library):
 * provisioning keyed by the provider's numeric id, team mappings and their sync, the allowed-groups
 * gate, and every refusal — state not bound to the browser, replayed, expired or another method's;
 * consent denied; the code refused; the provider down — each with its audit line.
 */

const CONSOLE = 'https://console.test';

/** The provider's authorize page, as a browser meets it: where does it send the browser back? */
function followAuthorize(url: string, fake: FakeOAuthProvider): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    request(url, { ca: fake.caPem }, (res) => {
      res.resume();
      const location = res.headers.location;
      if (res.statusCode !== 302 || !location) reject(new Error(`authorize answered ${res.statusCode}`));
      else resolve(new URL(location).searchParams);
    })
      .on('error', reject)
      .end();
  });
}

function expectRefusal(status: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  };
}

for (const engine of databaseEngines()) {
  void describe(`OAuth sign-in (GitHub Enterprise, GitLab, Bitbucket Data Center) on ${engine.name}`, () => {
    let dir: string;
    let dataSource: DataSource;
    let database: IdentityDatabase;
    let sessions: SessionService;
    let oauth: OAuthSignInService;
    let clock = 1_800_000_000_000;
    const fakes = {} as Record<OAuthProviderKind, FakeOAuthProvider>;
    const audit: Array<Record<string, unknown>> = [];

    const method = (id: string, fake: FakeOAuthProvider, extra: Partial<OAuthMethod>): OAuthMethod => ({
      id,
      displayName: id,
      organization: 'acme',
      teamMappings: [],
      allowedGroups: [],
      provider: createOAuthProvider({ kind: fake.kind, baseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, caCertificates: fake.caPem }),
      ...extra,
    });

    /** Start, the provider's page (`username` null: the person refuses), and the callback parameters the browser comes back with. */
    async function startAndAuthorize(methodId: string, fake: FakeOAuthProvider, username: string | null) {
      const started = await oauth.start(methodId);
      if (username === null) fake.denyNextConsent();
      else fake.signInAs(username);
      const back = await followAuthorize(started.redirectUrl, fake);
      return { started, back };
    }

    async function signIn(methodId: string, fake: FakeOAuthProvider, username: string): Promise<SignInResponse> {
      const { started, back } = await startAndAuthorize(methodId, fake, username);
      assert.equal(back.get('state'), started.state);
      return oauth.callback(methodId, { state: back.get('state'), expectedState: started.state, code: back.get('code'), sourceIp: '10.1.2.3', userAgent: 'it' });
    }

    const lastAudit = () => audit[audit.length - 1];
    const teamsOf = async (response: SignInResponse) => database.repositories.teams.teamsOf(response.user.id);

    before(async () => {
      Logger.overrideLogger({
        log: (message: unknown, context?: string) => {
          if (context === 'audit') audit.push(JSON.parse(String(message)) as Record<string, unknown>);
        },
        error: () => undefined,
        warn: () => undefined,
      });
      [fakes['github-enterprise'], fakes.gitlab, fakes['bitbucket-data-center']] = await Promise.all([
        startFakeOAuthProvider({
          kind: 'github-enterprise',
          users: [
            { id: 7001, username: 'mona', name: 'Mona Lisa', email: 'mona@corp.test', organizations: ['acme-eng'], teams: [{ organization: 'acme-eng', slug: 'platform' }, { organization: 'acme-eng', slug: 'sre' }] },
            { id: 7002, username: 'eve', name: 'Eve', email: 'eve@elsewhere.test', organizations: ['other'] },
          ],
        }),
        startFakeOAuthProvider({ kind: 'gitlab', users: [{ id: 7001, username: 'mona', name: 'Mona at GitLab', email: 'mona@corp.test', groups: ['acme', 'acme/platform'] }] }),
        startFakeOAuthProvider({ kind: 'bitbucket-data-center', users: [{ id: 55, username: 'jcitizen', name: 'Jane Citizen', email: 'jane@corp.test', projects: [{ key: 'PLAT', permission: 'PROJECT_WRITE' }] }] }),
      ]);
      const options: SignInOptions = {
        sessionIdleTimeoutMs: 30 * 60_000,
        sessionAbsoluteTimeoutMs: 8 * 3_600_000,
        accountThrottle: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000 },
        addressThrottle: { maxFailures: 10, windowMs: 60_000, lockMs: 60_000 },
        directories: [],
        consoleUrl: CONSOLE,
        oauthMethods: [
          method('corp-github', fakes['github-enterprise'], {
            teamMappings: [
              { group: 'acme-eng/platform', team: 'platform' },
              { group: 'ACME-ENG/SRE', team: 'sre' },
              { group: 'acme-eng', team: 'engineering' },
            ],
            allowedGroups: ['acme-eng'],
          }),
          method('corp-gitlab', fakes.gitlab, { teamMappings: [{ group: 'acme/platform', team: 'platform' }] }),
          method('corp-bitbucket', fakes['bitbucket-data-center'], { teamMappings: [{ group: 'PLAT', team: 'platform' }] }),
        ],
        now: () => clock,
      };
      dir = tempDir('stackyard-oauth-it');
      dataSource = createIdentityDataSource(await engine.newDatabaseUrl(dir, 'oauth'));
      await dataSource.initialize();
      await runMigrations(dataSource, IDENTITY_MIGRATION_LOCK);
      database = new IdentityDatabase(dataSource);
      sessions = new SessionService(database, options);
      const trail = new AuditTrail(database);
      oauth = new OAuthSignInService(database, new UserProvisioningService(database, trail), sessions, options, trail);
    });

    after(async () => {
      Logger.overrideLogger(['log', 'error', 'warn']);
      await dataSource?.destroy();
      await engine.stop();
      await Promise.all(Object.values(fakes).map((f) => f.stop()));
      for (const fake of Object.values(fakes)) assert.deepEqual(nonConformingExchanges(fake.kind, fake.exchanges), []);
      removeTempDir(dir);
    });

    void it('signs a GitHub Enterprise user in: keyed by numeric id, member of the organization, org and teams mapped', async () => {
      const response = await signIn('corp-github', fakes['github-enterprise'], 'mona');
      assert.equal(response.user.login, 'mona');
      assert.equal(response.user.name, 'Mona Lisa');
      const resolved = await sessions.resolve({ sessionHash: hashSessionToken(response.session.token) });
      assert.deepEqual(resolved.organizations, [{ name: 'acme', role: 'member' }]);
      assert.deepEqual(await teamsOf(response), ['engineering', 'platform', 'sre'].map((team) => ({ organization: 'acme', team })));
      assert.deepEqual(await database.repositories.identities.find('corp-github', '7001').then((i) => i?.userId), response.user.id);
      assert.deepEqual(lastAudit(), { event: 'auth.sign-in.succeeded', method: 'corp-github', sourceIp: '10.1.2.3', username: 'mona', subject: '7001', user: 'mona', userCreated: true, teamsAdded: 3, teamsRemoved: 0 });
      // The authorize request carried PKCE S256 and the minimal scopes, and the redirect URI on the console.
      const authorize = fakes['github-enterprise'].authorizeRequests.at(-1)!;
      assert.equal(authorize.get('code_challenge_method'), 'S256');
      assert.equal(authorize.get('scope'), 'read:user read:org');
      assert.equal(authorize.get('redirect_uri'), `${CONSOLE}/login/oauth/corp-github/callback`);
    });

    void it('finds the same user after a rename at the provider, and brings the teams in line with it', async () => {
      const fake = fakes['github-enterprise'];
      fake.updateUser('mona', { username: 'mona-renamed', name: 'Mona Renamed', teams: [{ organization: 'acme-eng', slug: 'platform' }] });
      const again = await signIn('corp-github', fake, 'mona');
      assert.equal(again.user.login, 'mona', 'the login stays; the subject found the user');
      assert.equal(again.user.name, 'Mona Renamed');
      assert.deepEqual(await teamsOf(again), ['engineering', 'platform'].map((team) => ({ organization: 'acme', team })));
      assert.equal(lastAudit()['teamsRemoved'], 1);
      assert.equal(lastAudit()['userCreated'], false);
      fake.updateUser('mona', { username: 'mona' });
    });

    void it('gives the same numeric id at another provider a different person', async () => {
      const gitlab = await signIn('corp-gitlab', fakes.gitlab, 'mona');
      assert.equal(gitlab.user.login, 'mona-2');
      assert.deepEqual(await teamsOf(gitlab), [{ organization: 'acme', team: 'platform' }]);
      const bitbucket = await signIn('corp-bitbucket', fakes['bitbucket-data-center'], 'jcitizen');
      assert.equal(bitbucket.user.login, 'jcitizen');
      assert.deepEqual(await teamsOf(bitbucket), [{ organization: 'acme', team: 'platform' }]);
    });

    void it('refuses a callback whose state this browser did not start (login CSRF), and leaves the real one usable', async () => {
      const { started, back } = await startAndAuthorize('corp-github', fakes['github-enterprise'], 'mona');
      const callback = { state: back.get('state'), code: back.get('code'), sourceIp: '10.9.9.9' };
      await assert.rejects(oauth.callback('corp-github', { ...callback, expectedState: '' }), expectRefusal(401, /not started in this browser/));
      assert.equal(lastAudit()['reason'], 'state-mismatch');
      await assert.rejects(oauth.callback('corp-github', { ...callback, expectedState: 'A'.repeat(43) }), expectRefusal(401, /not started in this browser/));
      const response = await oauth.callback('corp-github', { ...callback, expectedState: started.state });
      assert.equal(response.user.login, 'mona');
    });

    void it('uses a state once: a replayed callback is refused, even with the right cookie', async () => {
      const { started, back } = await startAndAuthorize('corp-gitlab', fakes.gitlab, 'mona');
      const callback = { state: back.get('state'), expectedState: started.state, code: back.get('code'), sourceIp: '10.1.2.3' };
      await oauth.callback('corp-gitlab', callback);
      await assert.rejects(oauth.callback('corp-gitlab', callback), expectRefusal(401, /already been used/));
      assert.deepEqual(lastAudit(), { event: 'auth.sign-in.failed', method: 'corp-gitlab', sourceIp: '10.1.2.3', reason: 'state-replayed' });
    });

    void it('lets exactly one of two concurrent callbacks with the same state through', async () => {
      const { started, back } = await startAndAuthorize('corp-bitbucket', fakes['bitbucket-data-center'], 'jcitizen');
      const callback = { state: back.get('state'), expectedState: started.state, code: back.get('code'), sourceIp: '10.1.2.3' };
      const results = await Promise.allSettled([oauth.callback('corp-bitbucket', callback), oauth.callback('corp-bitbucket', callback)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    });

    void it("refuses an expired state and another method's state", async () => {
      const { started, back } = await startAndAuthorize('corp-github', fakes['github-enterprise'], 'mona');
      const callback = { state: back.get('state'), expectedState: started.state, code: back.get('code'), sourceIp: '10.1.2.3' };
      await assert.rejects(oauth.callback('corp-gitlab', callback), expectRefusal(401, /not known here/));
      assert.equal(lastAudit()['reason'], 'state-unknown');
      clock += 11 * 60_000;
      await assert.rejects(oauth.callback('corp-github', callback), expectRefusal(401, /expired/));
      assert.equal(lastAudit()['reason'], 'state-expired');
      // The next start sweeps it away.
      await oauth.start('corp-github');
      await assert.rejects(oauth.callback('corp-github', callback), expectRefusal(401, /not known here/));
    });

    void it('says so when the person denies consent, and uses the state up', async () => {
      const { started, back } = await startAndAuthorize('corp-github', fakes['github-enterprise'], null);
      assert.equal(back.get('error'), 'access_denied');
      const callback = { state: back.get('state'), expectedState: started.state, error: back.get('error'), errorDescription: back.get('error_description'), sourceIp: '10.1.2.3' };
      await assert.rejects(oauth.callback('corp-github', callback), expectRefusal(403, /did not allow Stackyard to use your corp-github account/));
      assert.deepEqual(lastAudit(), { event: 'auth.sign-in.failed', method: 'corp-github', sourceIp: '10.1.2.3', reason: 'access-denied', detail: 'access_denied: The user has denied your application access.' });
      await assert.rejects(oauth.callback('corp-github', callback), expectRefusal(401, /already been used/));
    });

    void it('refuses when the provider will not exchange the code, and when it is down', async () => {
      const fake = fakes.gitlab;
      fake.failNextTokenExchange('invalid-grant');
      await assert.rejects(signIn('corp-gitlab', fake, 'mona'), expectRefusal(401, /did not accept this sign-in/));
      assert.equal(lastAudit()['reason'], 'code-exchange-failed');
      assert.equal(lastAudit()['kind'], 'invalid-grant');
      assert.match(String(lastAudit()['detail']), /invalid_grant/);
      fake.failNextTokenExchange('server-error');
      await assert.rejects(signIn('corp-gitlab', fake, 'mona'), expectRefusal(503, /cannot be reached/));
      assert.equal(lastAudit()['kind'], 'unavailable');
    });

    void it('keeps out people outside the allowed groups', async () => {
      await assert.rejects(signIn('corp-github', fakes['github-enterprise'], 'eve'), expectRefusal(403, /not in a group allowed/));
      assert.equal(lastAudit()['reason'], 'not-in-allowed-group');
      assert.equal(lastAudit()['username'], 'eve');
      assert.equal(await database.repositories.identities.find('corp-github', '7002'), null, 'nobody was provisioned');
    });

    void it('refuses unknown methods and malformed callbacks with a 4xx and an audit line', async () => {
      await assert.rejects(oauth.start('nope'), expectRefusal(404, /no OAuth sign-in method/));
      await assert.rejects(oauth.callback('nope', { state: 'x', expectedState: 'x', code: 'c', sourceIp: '10.1.2.3' }), expectRefusal(404, /no OAuth sign-in method/));
      assert.equal(lastAudit()['reason'], 'unknown-method');
      await assert.rejects(oauth.callback('corp-github', { expectedState: 'x', code: 'c', sourceIp: '10.1.2.3' }), expectRefusal(400, /no valid state/));
      await assert.rejects(oauth.callback('corp-github', { state: 'x', expectedState: 'x', code: 'c', error: 'access_denied', sourceIp: '10.1.2.3' }), expectRefusal(400, /both a code and an error/));
      await assert.rejects(oauth.callback('corp-github', 'not an object'), expectRefusal(400, /no valid state/));
      assert.equal(lastAudit()['reason'], 'bad-request');
      const secrets = [fakes['github-enterprise'].clientSecret, fakes.gitlab.clientSecret, fakes['bitbucket-data-center'].clientSecret];
      for (const line of audit) for (const secret of secrets) assert.ok(!JSON.stringify(line).includes(secret), 'no client secret in an audit line');
    });
  });
}
