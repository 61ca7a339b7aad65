import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { DirectorySignInRequest, ResolveSessionResponse, SignInResponse } from '@stackyard/shared-contracts';
import { UpstreamError } from '@stackyard/shared-http';
import { BrowserFormGuard } from './browser-form.guard';
import type { BrowserRequest } from './browser-request';
import type { BrowserResult, PageResult, RedirectResult } from './browser-result';
import { CliLoginService } from './cli-login.service';
import type { ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE } from './cookies';
import { csrfTokenFor } from './csrf';
import { type IdentityCaller, IdentityGateway, sessionHashOf } from './identity.gateway';
import { SignInService } from './sign-in.service';
import { TrustedProxies } from './trusted-proxies';

const NOW = 1_700_000_000_000;
const PASSWORD = 'correct horse battery staple';
const SESSION = 'c2Vzc2lvbi10b2tlbi1mb3ItYWxpY2UtMDEyMzQ1Njc4OQ';
const LOGIN_SECRET = 'bG9naW4tY3NyZi1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg';
const HOST = 'console.example:3443';
const ORIGIN = `https://${HOST}`;

/** identity as the contract describes it, for one user and one session. */
class FakeIdentity implements IdentityCaller {
  calls: Array<{ path: string; body?: unknown }> = [];
  signInError: UpstreamError | undefined;
  sessionExpiresAt = NOW + 3_600_000;
  live = new Set([sessionHashOf(SESSION)]);

  get<T>(path: string): Promise<T> {
    this.calls.push({ path });
    return Promise.resolve({ methods: [{ id: 'corp', kind: 'directory', displayName: 'Corporate directory' }, { id: 'okta', kind: 'saml', displayName: 'Okta' }] } as T);
  }

  call<T>(method: string, path: string, body: unknown): Promise<T> {
    if (method === 'POST') return this.post<T>(path, body);
    this.calls.push({ path, body });
    return Promise.reject(new UpstreamError(404, 'Not Found: no route'));
  }

  post<T>(path: string, body: unknown): Promise<T> {
    this.calls.push({ path, body });
    const { sessionHash } = body as { sessionHash?: string };
    if (path === '/internal/v1/sign-in/directory/corp') {
      if (this.signInError) return Promise.reject(this.signInError);
      const request = body as DirectorySignInRequest;
      if (request.password !== PASSWORD) return Promise.reject(new UpstreamError(401, 'Unauthorized: invalid username or password'));
      return Promise.resolve({ session: { token: 'bmV3LXNlc3Npb24', expiresAt: this.sessionExpiresAt, idleTimeoutSeconds: 1800 }, user: { id: 'u1', login: 'alice', name: 'Alice' } } satisfies SignInResponse as T);
    }
    if (path === '/internal/v1/sessions/resolve') {
      if (!this.live.has(sessionHash!)) return Promise.reject(new UpstreamError(401, 'Unauthorized: unknown session'));
      const session: ResolveSessionResponse = {
        user: { id: 'u1', login: 'alice', name: 'Alice <Admin>', email: 'a@example.test', siteAdmin: false },
        organizations: [{ name: 'acme', role: 'admin' }],
        expiresAt: NOW + 3_600_000,
      };
      return Promise.resolve(session as T);
    }
    if (path === '/internal/v1/sessions/revoke') {
      this.live.delete(sessionHash!);
      return Promise.resolve({} as T);
    }
    if (path === '/internal/v1/cli-tokens') {
      if (!this.live.has(sessionHash!)) return Promise.reject(new UpstreamError(401, 'Unauthorized: unknown session'));
      return Promise.resolve({ token: 'pul-0123456789abcdef0123456789abcdef01234567', id: 't1', name: 'cli' } as T);
    }
    return Promise.reject(new UpstreamError(404, 'Not Found: no route'));
  }
}

function setup(settings: Partial<ConsoleSignInSettings> = {}) {
  const identity = new FakeIdentity();
  const full: ConsoleSignInSettings = { plainHttp: false, trustedProxies: TrustedProxies.none(), now: () => NOW, ...settings };
  const gateway = new IdentityGateway(identity);
  const sessions = new ConsoleSessionService(gateway);
  const sut = new SignInService(gateway, sessions, new BrowserFormGuard(full), full);
  const cli = new CliLoginService(gateway);
  return { identity, sut, cli };
}

function request(overrides: Partial<BrowserRequest> & { cookieList?: Record<string, string>; fields?: Record<string, string> } = {}): BrowserRequest {
  const { cookieList, fields, ...rest } = overrides;
  return {
    query: new URLSearchParams(),
    cookies: new Map(Object.entries(cookieList ?? {})),
    host: HOST,
    origin: ORIGIN,
    peerAddress: '192.0.2.10',
    ...(fields ? { form: new URLSearchParams(fields) } : {}),
    ...rest,
  };
}

const signInForm = (fields: Record<string, string> = {}) =>
  request({ cookieList: { [LOGIN_CSRF_COOKIE]: LOGIN_SECRET }, fields: { username: 'alice', password: PASSWORD, csrf: csrfTokenFor(LOGIN_SECRET), next: '/stacks', ...fields } });

function asPage(result: BrowserResult): PageResult {
  assert.equal(result.kind, 'page');
  return result;
}
function asRedirect(result: BrowserResult): RedirectResult {
  assert.equal(result.kind, 'redirect');
  return result;
}

void describe(SignInService.name, () => {
  before(() => {
    Logger.overrideLogger(false);
  });

  void it('renders a form per directory method and a single sign-on link per SAML organization, setting the pre-sign-in CSRF cookie', async () => {
    const { sut } = setup();
    const page = asPage(await sut.loginPage(request({ query: new URLSearchParams({ next: '/stacks' }) })));
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/login\/directory\/corp">/);
    assert.match(page.body, /<a class="button" href="\/login\/saml\/okta\?next=%2Fstacks">Sign in with Okta<\/a>/);
    assert.match(page.body, /<label for="m0-username">Username<\/label>/);
    assert.match(page.body, /name="next" value="\/stacks"/);
    const csrfCookie = page.cookies.find((c) => c.startsWith(`${LOGIN_CSRF_COOKIE}=`));
    assert.ok(csrfCookie);
    const secret = csrfCookie.split(';')[0].split('=')[1];
    assert.match(page.body, new RegExp(`name="csrf" value="${csrfTokenFor(secret)}"`));
    assert.deepEqual(page.formActions, []);
  });

  void it('keeps an existing pre-sign-in CSRF cookie', async () => {
    const { sut } = setup();
    const page = asPage(await sut.loginPage(request({ cookieList: { [LOGIN_CSRF_COOKIE]: LOGIN_SECRET } })));
    assert.deepEqual(page.cookies, []);
    assert.match(page.body, new RegExp(csrfTokenFor(LOGIN_SECRET)));
  });

  void it('names the CLI token to come, and lets that form redirect to the loopback listener', async () => {
    const { sut } = setup();
    const next = '/cli-login?cliSessionPort=49152&cliSessionNonce=0123456789abcdef&cliSessionDescription=Generated+by+pulumi+login';
    const page = asPage(await sut.loginPage(request({ query: new URLSearchParams({ next }) })));
    assert.match(page.body, /new access token named “Generated by pulumi login”/);
    assert.deepEqual(page.formActions, ['http://127.0.0.1:*']);
  });

  void it('sends an already signed-in browser straight on', async () => {
    const { sut } = setup();
    const result = asRedirect(await sut.loginPage(request({ cookieList: { [SESSION_COOKIE]: SESSION }, query: new URLSearchParams({ next: '/stacks' }) })));
    assert.equal(result.status, 303);
    assert.equal(result.location, '/stacks');
  });

  void it('signs in: session cookie, 303 to next, identity told the source address and user agent', async () => {
    const { sut, identity } = setup();
    const result = asRedirect(await sut.directorySignIn({ ...signInForm(), userAgent: 'Firefox' }, 'corp'));
    assert.equal(result.status, 303);
    assert.equal(result.location, '/stacks');
    assert.deepEqual(result.cookies, [`${SESSION_COOKIE}=bmV3LXNlc3Npb24; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax`]);
    const call = identity.calls.find((c) => c.path === '/internal/v1/sign-in/directory/corp');
    assert.deepEqual(call?.body, { username: 'alice', password: PASSWORD, sourceIp: '192.0.2.10', userAgent: 'Firefox' });
  });

  void it('fails loudly rather than set a cookie that is already expired', async () => {
    const { sut, identity } = setup();
    identity.sessionExpiresAt = Math.floor(NOW / 1000); // seconds where milliseconds are expected
    await assert.rejects(sut.directorySignIn(signInForm(), 'corp'), /already expired .*epoch milliseconds/);
  });

  void it('revokes the session a new sign-in replaces', async () => {
    const { sut, identity } = setup();
    const form = signInForm();
    form.cookies.set(SESSION_COOKIE, SESSION);
    asRedirect(await sut.directorySignIn(form, 'corp'));
    assert.deepEqual(identity.calls.find((c) => c.path === '/internal/v1/sessions/revoke')?.body, { sessionHash: sessionHashOf(SESSION) });
  });

  void it('believes X-Forwarded-For only from a trusted proxy', async () => {
    for (const [trusted, expected] of [['192.0.2.0/24', '203.0.113.5'], ['', '192.0.2.10']] as const) {
      const { sut, identity } = setup({ trustedProxies: TrustedProxies.parse(trusted) });
      await sut.directorySignIn({ ...signInForm(), forwardedFor: '203.0.113.5' }, 'corp');
      assert.equal((identity.calls.at(-1)?.body as DirectorySignInRequest).sourceIp, expected, trusted);
    }
  });

  void it('redirects only to paths on this origin', async () => {
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil', '']) {
      const { sut } = setup();
      assert.equal(asRedirect(await sut.directorySignIn(signInForm({ next }), 'corp')).location, '/', next);
    }
  });

  void it('re-renders the form with identity’s message and status, the username kept and the password never echoed', async () => {
    for (const [status, message] of [
      [401, 'Unauthorized: invalid username or password'],
      [423, 'Locked: the account is locked'],
      [429, 'Too Many Requests: too many failed attempts; try again in 5 minutes'],
    ] as const) {
      const { sut, identity } = setup();
      identity.signInError = new UpstreamError(status, message);
      const page = asPage(await sut.directorySignIn(signInForm({ username: 'alice<script>' }), 'corp'));
      assert.equal(page.status, status);
      assert.match(page.body, new RegExp(`role="alert" id="m0-error">${message.replace(/^[A-Za-z ]+: /, '')}`));
      assert.match(page.body, /value="alice&lt;script&gt;"/);
      assert.ok(!page.body.includes(PASSWORD));
      assert.equal(page.cookies.some((c) => c.startsWith(SESSION_COOKIE)), false);
    }
  });

  void it('asks for both fields before calling identity', async () => {
    const { sut, identity } = setup();
    const page = asPage(await sut.directorySignIn(signInForm({ password: '' }), 'corp'));
    assert.equal(page.status, 400);
    assert.match(page.body, /Enter your username and password/);
    assert.equal(identity.calls.some((c) => c.path.startsWith('/internal/v1/sign-in/directory')), false);
  });

  void it('refuses a sign-in without the right CSRF token, or from another origin (403)', async () => {
    const cases: BrowserRequest[] = [
      signInForm({ csrf: '' }),
      signInForm({ csrf: csrfTokenFor('another-secret') }),
      { ...signInForm(), cookies: new Map() },
      { ...signInForm(), origin: 'https://evil.example' },
      { ...signInForm(), secFetchSite: 'cross-site' },
      request({ cookieList: { [LOGIN_CSRF_COOKIE]: LOGIN_SECRET } }),
    ];
    for (const [i, form] of cases.entries()) {
      const { sut, identity } = setup();
      const page = asPage(await sut.directorySignIn(form, 'corp'));
      assert.equal(page.status, 403, `case ${i}`);
      assert.equal(identity.calls.length, 0, `case ${i}: identity not asked`);
    }
  });

  void it('accepts the configured public origin only, when one is set', async () => {
    const { sut } = setup({ publicOrigin: 'https://app.example.com' });
    assert.equal(asPage(await sut.directorySignIn(signInForm(), 'corp')).status, 403);
    assert.equal(asRedirect(await sut.directorySignIn({ ...signInForm(), origin: 'https://app.example.com' }, 'corp')).status, 303);
  });

  void it('shows the signed-in user and organizations, escaped, with a sign-out form', async () => {
    const { sut } = setup();
    const page = asPage(await sut.home(request({ cookieList: { [SESSION_COOKIE]: SESSION } })));
    assert.match(page.body, /Signed in as Alice &lt;Admin&gt; \(alice\)/);
    assert.match(page.body, /<li>acme \(admin\)<\/li>/);
    assert.match(page.body, new RegExp(`<form method="post" action="/logout">\\n<input type="hidden" name="csrf" value="${csrfTokenFor(SESSION)}">`));
  });

  void it('sends a browser without a valid session to /login, clearing a stale cookie', async () => {
    const { sut } = setup();
    assert.deepEqual(asRedirect(await sut.home(request())), { kind: 'redirect', status: 303, location: '/login', cookies: [] });
    const stale = asRedirect(await sut.home(request({ cookieList: { [SESSION_COOKIE]: 'revoked-session' } })));
    assert.deepEqual(stale.cookies, [`${SESSION_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`]);
  });

  void it('signs out: revokes by hash, clears the cookie, 303 to /login', async () => {
    const { sut, identity } = setup();
    const result = asRedirect(await sut.signOut(request({ cookieList: { [SESSION_COOKIE]: SESSION }, fields: { csrf: csrfTokenFor(SESSION) } })));
    assert.equal(result.location, '/login');
    assert.match(result.cookies[0], /^__Host-stackyard-session=; Max-Age=0/);
    assert.deepEqual(identity.calls, [{ path: '/internal/v1/sessions/revoke', body: { sessionHash: sessionHashOf(SESSION) } }]);
  });

  void it('refuses a sign-out without the session’s CSRF token or from another origin', async () => {
    for (const fields of [{}, { csrf: csrfTokenFor(LOGIN_SECRET) }] as Array<Record<string, string>>) {
      const { sut, identity } = setup();
      assert.equal(asPage(await sut.signOut(request({ cookieList: { [SESSION_COOKIE]: SESSION, [LOGIN_CSRF_COOKIE]: LOGIN_SECRET }, fields }))).status, 403);
      assert.equal(identity.calls.length, 0);
    }
    const { sut } = setup();
    assert.equal(asPage(await sut.signOut(request({ cookieList: { [SESSION_COOKIE]: SESSION }, fields: { csrf: csrfTokenFor(SESSION) }, origin: 'null' }))).status, 403);
  });
});

void describe(CliLoginService.name, () => {
  before(() => {
    Logger.overrideLogger(false);
  });
  const query = new URLSearchParams({ cliSessionPort: '49152', cliSessionNonce: '0123456789abcdef0123', cliSessionDescription: 'Generated by pulumi login' });

  void it('sends a browser without a session to sign in first, then back here', async () => {
    const { cli } = setup();
    const result = asRedirect(await cli.cliLogin(request({ query })));
    assert.equal(result.status, 303);
    assert.equal(result.location, `/login?${new URLSearchParams({ next: `/cli-login?${query.toString()}` }).toString()}`);
  });

  void it('hands a new token and the nonce to the CLI’s loopback listener', async () => {
    const { cli, identity } = setup();
    const result = asRedirect(await cli.cliLogin(request({ query, cookieList: { [SESSION_COOKIE]: SESSION } })));
    assert.equal(result.status, 302);
    assert.equal(result.location, 'http://127.0.0.1:49152/?accessToken=pul-0123456789abcdef0123456789abcdef01234567&nonce=0123456789abcdef0123');
    assert.deepEqual(identity.calls[0], { path: '/internal/v1/cli-tokens', body: { sessionHash: sessionHashOf(SESSION), description: 'Generated by pulumi login' } });
  });

  void it('treats a session identity no longer knows as signed out', async () => {
    const { cli } = setup();
    const result = asRedirect(await cli.cliLogin(request({ query, cookieList: { [SESSION_COOKIE]: 'revoked' } })));
    assert.equal(result.status, 303);
    assert.match(result.location, /^\/login\?next=/);
    assert.match(result.cookies[0], /^__Host-stackyard-session=; Max-Age=0/);
  });

  void it('answers bad parameters with a 400 page saying what is wrong', async () => {
    const { cli, identity } = setup();
    const page = asPage(await cli.cliLogin(request({ query: new URLSearchParams({ ...Object.fromEntries(query), cliSessionPort: '70000' }), cookieList: { [SESSION_COOKIE]: SESSION } })));
    assert.equal(page.status, 400);
    assert.match(page.body, /cliSessionPort must be a port number from 1 to 65535/);
    assert.equal(identity.calls.length, 0);
  });
});
