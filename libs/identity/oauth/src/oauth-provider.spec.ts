import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { type FakeOAuthProvider, type FakeOAuthProviderOptions, nonConformingExchanges, startFakeOAuthProvider } from '@stackyard/testing';
import { createOAuthProvider } from './create-oauth-provider';
import type { OAuthProvider } from './oauth-provider';
import { type OAuthProviderConfig, oauthProviderConfigProblems } from './oauth-provider-config';
import { OAuthProviderError } from './oauth-provider.error';
import { codeChallengeS256, newCodeVerifier, newOAuthState } from './pkce';
import { nextLink } from './provider-http';

const REDIRECT_URI = 'https://console.test/login/oauth/corp/callback';

/** What a browser does at the provider: open the authorize URL, follow nothing, read where it is sent. */
function browse(url: string, caPem: string): Promise<URL> {
  return new Promise((resolve, reject) => {
    request(url, { ca: caPem }, (res) => {
      res.resume();
      if (res.statusCode !== 302) reject(new Error(`authorize answered ${res.statusCode}`));
      else resolve(new URL(String(res.headers.location)));
    })
      .on('error', reject)
      .end();
  });
}

async function clientFor(options: FakeOAuthProviderOptions, change: Partial<OAuthProviderConfig> = {}): Promise<{ fake: FakeOAuthProvider; provider: OAuthProvider; config: OAuthProviderConfig }> {
  const fake = await startFakeOAuthProvider(options);
  const config: OAuthProviderConfig = { kind: options.kind, baseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, caCertificates: fake.caPem, ...change };
  assert.deepEqual(oauthProviderConfigProblems(config), []);
  return { fake, provider: createOAuthProvider(config), config };
}

/** The authorize leg through the fake and the code exchange: the access token. */
async function signIn(provider: OAuthProvider, fake: FakeOAuthProvider): Promise<string> {
  const verifier = newCodeVerifier();
  const state = newOAuthState();
  const back = await browse(provider.authorizationUrl({ state, redirectUri: REDIRECT_URI, codeChallenge: codeChallengeS256(verifier) }), fake.caPem);
  assert.equal(back.searchParams.get('state'), state);
  return provider.exchangeCode({ code: back.searchParams.get('code')!, redirectUri: REDIRECT_URI, codeVerifier: verifier });
}

async function rejectsWith(promise: Promise<unknown>, kind: OAuthProviderError['kind'], message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OAuthProviderError, String(error));
    assert.equal(error.kind, kind, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

void describe('OAuth provider clients against the provider fakes', () => {
  const fakes: FakeOAuthProvider[] = [];
  const start = async (options: FakeOAuthProviderOptions, change: Partial<OAuthProviderConfig> = {}) => {
    const started = await clientFor(options, change);
    fakes.push(started.fake);
    return started;
  };
  after(async () => {
    await Promise.all(fakes.map((f) => f.stop()));
    for (const fake of fakes) assert.deepEqual(nonConformingExchanges(fake.kind, fake.exchanges), [], `every answer the ${fake.kind} fake gave conforms`);
  });

  void describe('GitHub Enterprise', () => {
    let gh: Awaited<ReturnType<typeof start>>;
    before(async () => {
      gh = await start({
        kind: 'github-enterprise',
        maxPageSize: 1,
        users: [
          { id: 9001, username: 'mona', name: 'Mona Lisa', email: 'mona@corp.test', organizations: ['acme', 'acme-labs'], teams: [{ organization: 'acme', slug: 'platform' }, { organization: 'acme-labs', slug: 'sre' }] },
          { id: 9002, username: 'hubot', name: '', email: '' },
        ],
      });
    });

    void it('asks for read:user and read:org with PKCE S256, and names the person by numeric id with orgs and teams (paged)', async () => {
      const url = new URL(gh.provider.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: 'c' }));
      assert.equal(url.origin + url.pathname, `${gh.fake.baseUrl}/login/oauth/authorize`);
      assert.equal(url.searchParams.get('scope'), 'read:user read:org');
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      gh.fake.signInAs('mona');
      const person = await gh.provider.person(await signIn(gh.provider, gh.fake));
      assert.deepEqual(person, {
        subject: '9001',
        username: 'mona',
        displayName: 'Mona Lisa',
        email: 'mona@corp.test',
        groups: ['acme', 'acme-labs', 'acme/platform', 'acme-labs/sre'].map((g) => ({ id: g, name: g })),
      });
      assert.ok(gh.fake.requests.filter((r) => r === 'GET /api/v3/user/orgs').length >= 2, 'followed the Link header');
    });

    void it('falls back to the login for a missing name and to no e-mail', async () => {
      gh.fake.signInAs('hubot');
      const person = await gh.provider.person(await signIn(gh.provider, gh.fake));
      assert.equal(person.displayName, 'hubot');
      assert.equal(person.email, '');
      assert.deepEqual(person.groups, []);
    });

    void it('tells a refused code (GitHub answers 200 with an error) from a refused client', async () => {
      gh.fake.signInAs('mona');
      gh.fake.failNextTokenExchange('invalid-grant');
      await rejectsWith(signIn(gh.provider, gh.fake), 'invalid-grant', /bad_verification_code/);
      const wrongSecret = createOAuthProvider({ kind: 'github-enterprise', baseUrl: gh.fake.baseUrl, clientId: gh.fake.clientId, clientSecret: 'wrong', caCertificates: gh.fake.caPem });
      await rejectsWith(signIn(wrongSecret, gh.fake), 'misconfigured', /incorrect_client_credentials/);
      gh.fake.failNextTokenExchange('server-error');
      await rejectsWith(signIn(gh.provider, gh.fake), 'unavailable', /503/);
    });

    void it('reports a token without read:org as misconfigured (403 on /user/teams)', async () => {
      const narrow = createOAuthProvider({ ...gh.config, scopes: ['read:user'] });
      gh.fake.signInAs('mona');
      await rejectsWith(narrow.person(await signIn(narrow, gh.fake)), 'misconfigured', /403.*scope/);
    });

    void it('refuses a provider whose certificate it does not trust, and reports one it cannot reach as unavailable', async () => {
      const untrusting = createOAuthProvider({ ...gh.config, caCertificates: undefined });
      await rejectsWith(untrusting.exchangeCode({ code: 'x', redirectUri: REDIRECT_URI, codeVerifier: 'v' }), 'misconfigured', /not trusted/);
      await rejectsWith(createOAuthProvider({ ...gh.config, baseUrl: 'https://127.0.0.1:1' }).exchangeCode({ code: 'x', redirectUri: REDIRECT_URI, codeVerifier: 'v' }), 'unavailable', /cannot reach/);
    });
  });

  void describe('GitLab', () => {
    let gl: Awaited<ReturnType<typeof start>>;
    before(async () => {
      gl = await start({
        kind: 'gitlab',
        contextPath: '/gitlab',
        maxPageSize: 2,
        users: [
          { id: 42, username: 'jsmith', name: 'Jane Smith', email: 'jane@corp.test', groups: ['acme', 'acme/platform', 'acme/platform/infra', 'widgets'] },
          { id: 43, username: 'blocked', name: 'Blocked', email: 'b@corp.test', blocked: true },
        ],
      });
    });

    void it('asks for read_api with PKCE under a context path, and lists every group by full path (X-Next-Page)', async () => {
      const url = new URL(gl.provider.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: 'c' }));
      assert.equal(url.pathname, '/gitlab/oauth/authorize');
      assert.equal(url.searchParams.get('scope'), 'read_api');
      assert.equal(url.searchParams.get('response_type'), 'code');
      gl.fake.signInAs('jsmith');
      const person = await gl.provider.person(await signIn(gl.provider, gl.fake));
      assert.equal(person.subject, '42');
      assert.equal(person.username, 'jsmith');
      assert.deepEqual(
        person.groups.map((g) => g.id),
        ['acme', 'acme/platform', 'acme/platform/infra', 'widgets'],
      );
    });

    void it('refuses a wrong PKCE verifier (invalid_grant, 400) and a blocked account', async () => {
      gl.fake.signInAs('jsmith');
      const back = await browse(gl.provider.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: codeChallengeS256('the-right-one-the-right-one-the-right-one-x') }), gl.fake.caPem);
      await rejectsWith(gl.provider.exchangeCode({ code: back.searchParams.get('code')!, redirectUri: REDIRECT_URI, codeVerifier: newCodeVerifier() }), 'invalid-grant', /invalid_grant/);
      gl.fake.signInAs('blocked');
      await rejectsWith(gl.provider.person(await signIn(gl.provider, gl.fake)), 'unusable-identity', /blocked/);
    });

    void it('reports a client the provider refuses as misconfigured (invalid_client, 401)', async () => {
      gl.fake.signInAs('jsmith');
      await rejectsWith(signIn(createOAuthProvider({ ...gl.config, clientSecret: 'wrong' }), gl.fake), 'misconfigured', /invalid_client/);
    });
  });

  void describe('Bitbucket Data Center', () => {
    let bb: Awaited<ReturnType<typeof start>>;
    before(async () => {
      bb = await start({
        kind: 'bitbucket-data-center',
        contextPath: '/bitbucket',
        maxPageSize: 2,
        users: [
          {
            id: 101,
            username: 'jcitizen',
            name: 'Jane Citizen',
            email: 'jane@corp.test',
            projects: [
              { key: 'PLAT', permission: 'PROJECT_WRITE' },
              { key: 'DOCS', permission: 'PROJECT_READ', public: true },
              { key: 'OPS', permission: 'PROJECT_READ' },
              { key: 'ADM', permission: 'PROJECT_ADMIN' },
              { key: 'J', permission: 'PROJECT_ADMIN', personal: true },
            ],
          },
          { id: 102, username: 'Ann.Lee@corp', slug: 'ann.lee_corp', name: 'Ann Lee', email: 'ann@corp.test' },
          { id: 103, username: 'gone', name: 'Gone', email: 'gone@corp.test', blocked: true },
        ],
      });
    });

    void it('asks for REPO_READ with PKCE, learns the user from X-AUSERNAME, and counts projects (not public, not personal) as groups', async () => {
      const url = new URL(bb.provider.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: 'c' }));
      assert.equal(url.pathname, '/bitbucket/rest/oauth2/latest/authorize');
      assert.equal(url.searchParams.get('scope'), 'REPO_READ');
      bb.fake.signInAs('jcitizen');
      const person = await bb.provider.person(await signIn(bb.provider, bb.fake));
      assert.deepEqual({ ...person, groups: person.groups.map((g) => g.id) }, { subject: '101', username: 'jcitizen', displayName: 'Jane Citizen', email: 'jane@corp.test', groups: ['PLAT', 'OPS', 'ADM'] });
    });

    void it('counts only projects with the configured permission', async () => {
      const writers = createOAuthProvider({ ...bb.config, projectPermission: 'PROJECT_WRITE' });
      bb.fake.signInAs('jcitizen');
      const person = await writers.person(await signIn(writers, bb.fake));
      assert.deepEqual(
        person.groups.map((g) => g.id),
        ['PLAT', 'ADM'],
      );
    });

    void it('finds a user whose slug differs from the name, and refuses an inactive one', async () => {
      bb.fake.signInAs('Ann.Lee@corp');
      const ann = await bb.provider.person(await signIn(bb.provider, bb.fake));
      assert.equal(ann.subject, '102');
      assert.equal(ann.username, 'Ann.Lee@corp');
      bb.fake.signInAs('gone');
      await rejectsWith(bb.provider.person(await signIn(bb.provider, bb.fake)), 'unusable-identity', /not active/);
    });

    void it('reports a token the REST API refuses as misconfigured', async () => {
      await rejectsWith(bb.provider.person('not-a-token'), 'misconfigured', /401/);
    });
  });
});

void describe('OAuth provider configuration', () => {
  const base: OAuthProviderConfig = { kind: 'gitlab', baseUrl: 'https://gitlab.corp.test', clientId: 'id', clientSecret: 'secret' };

  void it('accepts a minimal configuration and refuses plain http, queries, empty secrets and misplaced options', () => {
    assert.deepEqual(oauthProviderConfigProblems(base), []);
    assert.match(oauthProviderConfigProblems({ ...base, baseUrl: 'http://gitlab.corp.test' }).join(), /https/);
    assert.match(oauthProviderConfigProblems({ ...base, baseUrl: 'https://gitlab.corp.test/?x=1' }).join(), /query/);
    assert.match(oauthProviderConfigProblems({ ...base, clientSecret: '' }).join(), /clientSecret/);
    assert.match(oauthProviderConfigProblems({ ...base, projectPermission: 'PROJECT_READ' }).join(), /bitbucket-data-center only/);
    assert.match(oauthProviderConfigProblems({ ...base, scopes: ['read api'] }).join(), /scope tokens/);
    assert.match(oauthProviderConfigProblems({ ...base, caCertificates: 'not a pem' }).join(), /no PEM/);
    assert.ok(!oauthProviderConfigProblems({ ...base, clientSecret: 'hunter2', clientId: '' }).join().includes('hunter2'));
  });

  void it('derives each API root from the base URL', () => {
    const url = (config: OAuthProviderConfig) => new URL(createOAuthProvider(config).authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: 'c' }));
    assert.equal(url({ ...base, kind: 'github-enterprise', baseUrl: 'https://github.corp.test/' }).pathname, '/login/oauth/authorize');
    assert.equal(url({ ...base, pkce: false }).searchParams.get('code_challenge'), null);
  });

  void it('reads the next page from a Link header', () => {
    assert.equal(nextLink('<https://h/api/v3/user/orgs?page=2>; rel="next", <https://h/api/v3/user/orgs?page=5>; rel="last"'), 'https://h/api/v3/user/orgs?page=2');
    assert.equal(nextLink('<https://h/x?page=1>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });
});
