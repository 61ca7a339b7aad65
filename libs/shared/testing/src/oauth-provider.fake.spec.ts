import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { type FakeOAuthExchange, type FakeOAuthProvider, type FakeOAuthProviderKind, startFakeOAuthProvider } from './oauth-provider.fake';
import { bitbucketDcOpenApi, nonConformingExchanges, validatorsFor } from './oauth-provider.specs';

/**
 * Every answer of the three OAuth provider fakes — the authorize redirect, the token endpoint's
 * success and errors, and every REST call Stackyard's sign-in makes, with pagination and errors —
 * must satisfy the vendor's published description (oauth-provider.specs.ts says which). The last
 * tests prove the check bites: a drifted answer fails it.
 */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(fake: FakeOAuthProvider, method: string, target: string, options: { headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Reply> {
  const url = new URL(target, `${fake.baseUrl}/`);
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, ca: fake.caPem, headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const PATHS: Record<FakeOAuthProviderKind, { authorize: string; token: string; api: string; scopes: string }> = {
  'github-enterprise': { authorize: 'login/oauth/authorize', token: 'login/oauth/access_token', api: 'api/v3', scopes: 'read:user read:org' },
  gitlab: { authorize: 'oauth/authorize', token: 'oauth/token', api: 'api/v4', scopes: 'read_api' },
  'bitbucket-data-center': { authorize: 'rest/oauth2/latest/authorize', token: 'rest/oauth2/latest/token', api: 'rest/api/latest', scopes: 'REPO_READ' },
};

const REDIRECT_URI = 'https://console.test/login/oauth/corp/callback';

/** Authorize → code → token, as identity does it; returns the access token (or the token reply when it failed). */
async function signIn(fake: FakeOAuthProvider, options: { scopes?: string; verifier?: string | null; clientSecret?: string } = {}): Promise<string> {
  const verifier = options.verifier === undefined ? randomBytes(32).toString('base64url') : options.verifier;
  const query = new URLSearchParams({ client_id: fake.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: options.scopes ?? PATHS[fake.kind].scopes, state: 'state-1' });
  if (verifier !== null) {
    query.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    query.set('code_challenge_method', 'S256');
  }
  const authorize = await call(fake, 'GET', `${PATHS[fake.kind].authorize}?${query.toString()}`);
  assert.equal(authorize.status, 302);
  const back = new URL(String(authorize.headers['location']));
  const code = back.searchParams.get('code');
  assert.ok(code, String(authorize.headers['location']));
  const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: fake.clientId, client_secret: options.clientSecret ?? fake.clientSecret };
  if (verifier !== null) form['code_verifier'] = verifier;
  const token = await call(fake, 'POST', PATHS[fake.kind].token, { form });
  const parsed = JSON.parse(token.body) as { access_token?: string };
  return parsed.access_token ?? token.body;
}

const api = (fake: FakeOAuthProvider, path: string, token: string) => call(fake, 'GET', `${PATHS[fake.kind].api}${path}`, { headers: { authorization: `Bearer ${token}` } });

function assertConforming(fake: FakeOAuthProvider): void {
  assert.ok(fake.exchanges.length > 0);
  assert.deepEqual(nonConformingExchanges(fake.kind, fake.exchanges), []);
}

void describe('OAuth provider fakes conform to the vendors\' published API descriptions', () => {
  const fakes = new Map<FakeOAuthProviderKind, FakeOAuthProvider>();
  before(async () => {
    fakes.set(
      'github-enterprise',
      await startFakeOAuthProvider({
        kind: 'github-enterprise',
        maxPageSize: 1,
        users: [{ id: 583231, username: 'octocat', name: 'The Octocat', email: 'octocat@example.test', organizations: ['acme', 'widgets'], teams: [{ organization: 'acme', slug: 'platform', name: 'Platform' }, { organization: 'widgets', slug: 'sre' }] }],
      }),
    );
    fakes.set(
      'gitlab',
      await startFakeOAuthProvider({ kind: 'gitlab', maxPageSize: 2, contextPath: '/gitlab', users: [{ id: 42, username: 'jsmith', name: 'Jane Smith', email: 'jsmith@example.test', groups: ['acme', 'acme/platform', 'acme/platform/infra'] }] }),
    );
    fakes.set(
      'bitbucket-data-center',
      await startFakeOAuthProvider({
        kind: 'bitbucket-data-center',
        maxPageSize: 2,
        users: [
          { id: 101, username: 'jcitizen', name: 'Jane Citizen', email: 'jane@example.test', projects: [{ key: 'PLAT', permission: 'PROJECT_WRITE' }, { key: 'DOCS', permission: 'PROJECT_READ', public: true }, { key: 'OPS', permission: 'PROJECT_ADMIN' }, { key: 'J', permission: 'PROJECT_ADMIN', personal: true }] },
          { id: 102, username: 'Ann.Lee@corp', slug: 'ann.lee_corp', name: 'Ann Lee', email: 'ann@example.test' },
        ],
      }),
    );
  });
  after(async () => {
    await Promise.all([...fakes.values()].map((f) => f.stop()));
  });

  void it('GitHub Enterprise: authorize, token, /user, /user/orgs and /user/teams (paged), and their errors match GHES 3.19', async () => {
    const fake = fakes.get('github-enterprise')!;
    fake.signInAs('octocat');
    const token = await signIn(fake);
    assert.match(token, /^gho_/);
    const user = await api(fake, '/user', token);
    assert.equal((JSON.parse(user.body) as { id: number }).id, 583231);
    let next: string | undefined = `${PATHS[fake.kind].api}/user/orgs?per_page=100`;
    const orgs: string[] = [];
    while (next) {
      const page = await call(fake, 'GET', next, { headers: { authorization: `Bearer ${token}` } });
      orgs.push(...(JSON.parse(page.body) as Array<{ login: string }>).map((o) => o.login));
      next = /<([^>]+)>;\s*rel="next"/.exec(String(page.headers['link'] ?? ''))?.[1];
    }
    assert.deepEqual(orgs, ['acme', 'widgets']);
    assert.equal((await api(fake, '/user/teams?per_page=100', token)).status, 200);
    // Errors: a bad token, teams without read:org, a wrong verifier, a wrong secret, denied consent.
    assert.equal((await api(fake, '/user', 'not-a-token')).status, 401);
    assert.equal((await api(fake, '/user/teams', await signIn(fake, { scopes: 'read:user' }))).status, 403);
    assert.match(await signIn(fake, { verifier: null }), /^gho_/, 'PKCE is optional at GitHub');
    const wrongVerifier = await signInWithWrongVerifier(fake);
    assert.equal(wrongVerifier.status, 200, 'GitHub reports token errors with status 200');
    assert.match(wrongVerifier.body, /bad_verification_code/);
    assert.match(await signIn(fake, { clientSecret: 'wrong' }), /incorrect_client_credentials/);
    fake.denyNextConsent();
    await deniedConsent(fake);
    assertConforming(fake);
  });

  void it('GitLab: authorize, token, /user and /groups (paged by X-Next-Page), and their errors match the documented responses', async () => {
    const fake = fakes.get('gitlab')!;
    fake.signInAs('jsmith');
    const token = await signIn(fake);
    const user = JSON.parse((await api(fake, '/user', token)).body) as { id: number; username: string };
    assert.deepEqual([user.id, user.username], [42, 'jsmith']);
    const paths: string[] = [];
    for (let page = '1'; page !== ''; ) {
      const reply = await api(fake, `/groups?min_access_level=10&per_page=100&page=${page}`, token);
      paths.push(...(JSON.parse(reply.body) as Array<{ full_path: string }>).map((g) => g.full_path));
      page = String(reply.headers['x-next-page'] ?? '');
    }
    assert.deepEqual(paths, ['acme', 'acme/platform', 'acme/platform/infra']);
    assert.equal((await api(fake, '/user', 'nope')).status, 401);
    assert.equal((await api(fake, '/groups', await signIn(fake, { scopes: 'read_user' }))).status, 403);
    assert.equal((await signInWithWrongVerifier(fake)).status, 400);
    assert.match(await signIn(fake, { clientSecret: 'wrong' }), /invalid_client/);
    fake.denyNextConsent();
    await deniedConsent(fake);
    assertConforming(fake);
  });

  void it('Bitbucket Data Center: authorize, token, application-properties (X-AUSERNAME), users, paged projects and errors match the 9.2 description', async () => {
    const fake = fakes.get('bitbucket-data-center')!;
    fake.signInAs('jcitizen');
    const token = await signIn(fake);
    const properties = await api(fake, '/application-properties', token);
    assert.equal(properties.headers['x-ausername'], 'jcitizen');
    assert.equal((JSON.parse((await api(fake, '/users/jcitizen', token)).body) as { id: number }).id, 101);
    const keys: string[] = [];
    for (let start = 0, last = false; !last; ) {
      const page = JSON.parse((await api(fake, `/projects?permission=PROJECT_READ&start=${start}&limit=100`, token)).body) as { values: Array<{ key: string }>; isLastPage: boolean; nextPageStart?: number };
      keys.push(...page.values.map((p) => p.key));
      last = page.isLastPage;
      start = page.nextPageStart ?? start;
    }
    assert.deepEqual(keys, ['PLAT', 'DOCS', 'OPS', '~JCITIZEN']);
    // A name whose slug differs: the slug lookup misses, the filtered list finds the user.
    fake.signInAs('Ann.Lee@corp');
    const ann = await signIn(fake);
    assert.equal((await api(fake, `/users/${encodeURIComponent('Ann.Lee@corp')}`, ann)).status, 404);
    assert.equal((JSON.parse((await api(fake, '/users?filter=Ann.Lee%40corp&limit=100', ann)).body) as { values: unknown[] }).values.length, 1);
    assert.equal((await api(fake, '/projects', 'nope')).status, 401);
    assert.equal((await signInWithWrongVerifier(fake)).status, 400);
    fake.denyNextConsent();
    await deniedConsent(fake);
    assertConforming(fake);
    if (bitbucketDcOpenApi()) assert.ok(validatorsFor('bitbucket-data-center', { operation: 'GET /projects', status: 200, body: {} }).length === 2, 'checked against the vendor file too');
  });

  void it('fails when a fake drifts: a missing, retyped or undocumented field', () => {
    const recorded = (kind: FakeOAuthProviderKind, operation: string): FakeOAuthExchange => {
      const exchange = fakes.get(kind)!.exchanges.find((e) => e.operation === operation && e.status === 200);
      assert.ok(exchange, `${kind} recorded ${operation}`);
      return structuredClone(exchange);
    };
    const drifts: Array<[FakeOAuthProviderKind, string, (body: Record<string, unknown>) => void]> = [
      ['github-enterprise', 'GET /user', (b) => delete b['login']],
      ['github-enterprise', 'GET /user', (b) => (b['id'] = String(b['id']))],
      ['gitlab', 'GET /user', (b) => (b['is_admin'] = false)],
      ['gitlab', 'GET /user', (b) => (b['state'] = 'enabled')],
      ['bitbucket-data-center', 'GET /users/{userSlug}', (b) => (b['type'] = 'HUMAN')],
      ['bitbucket-data-center', 'GET /application-properties', (b) => delete b['version']],
      ['gitlab', 'POST /oauth/token', (b) => (b['token_type'] = 'bearer')],
    ];
    for (const [kind, operation, drift] of drifts) {
      const exchange = recorded(kind, operation);
      drift(exchange.body as Record<string, unknown>);
      assert.notDeepEqual(nonConformingExchanges(kind, [exchange]), [], `${kind} ${operation}: a drifted answer must fail`);
    }
    const teams = recorded('github-enterprise', 'GET /user/teams');
    (teams.body as Array<Record<string, unknown>>)[0]['privacy'] = 'public';
    assert.notDeepEqual(nonConformingExchanges('github-enterprise', [teams]), []);
    assert.throws(() => validatorsFor('gitlab', { operation: 'GET /projects', status: 200, body: [] }), /nothing describes/);
  });
});

async function signInWithWrongVerifier(fake: FakeOAuthProvider): Promise<Reply> {
  const query = new URLSearchParams({ client_id: fake.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: PATHS[fake.kind].scopes, state: 's', code_challenge: createHash('sha256').update('right').digest('base64url'), code_challenge_method: 'S256' });
  const code = new URL(String((await call(fake, 'GET', `${PATHS[fake.kind].authorize}?${query.toString()}`)).headers['location'])).searchParams.get('code')!;
  return call(fake, 'POST', PATHS[fake.kind].token, { form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: fake.clientId, client_secret: fake.clientSecret, code_verifier: 'wrong' } });
}

async function deniedConsent(fake: FakeOAuthProvider): Promise<void> {
  const query = new URLSearchParams({ client_id: fake.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: PATHS[fake.kind].scopes, state: 'state-2' });
  const back = new URL(String((await call(fake, 'GET', `${PATHS[fake.kind].authorize}?${query.toString()}`)).headers['location']));
  assert.equal(back.searchParams.get('error'), 'access_denied');
  assert.equal(back.searchParams.get('state'), 'state-2');
}
