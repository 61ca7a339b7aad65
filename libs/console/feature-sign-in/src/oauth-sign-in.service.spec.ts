import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { OAuthCallbackRequest, OAuthStartResponse, SignInResponse } from '@stackyard/shared-contracts';
import { UpstreamError } from '@stackyard/shared-http';
import { BrowserFormGuard } from './browser-form.guard';
import type { BrowserRequest } from './browser-request';
import type { BrowserResult, PageResult, RedirectResult } from './browser-result';
import type { ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { SESSION_COOKIE } from './cookies';
import { type IdentityCaller, IdentityGateway } from './identity.gateway';
import { OAuthSignInService } from './oauth-sign-in.service';
import { decodeOAuthState, encodeOAuthState, OAUTH_STATE_COOKIE } from './oauth-state';
import { oauthSignInPath, signInPageBody } from './pages';
import { SignInService } from './sign-in.service';
import { TrustedProxies } from './trusted-proxies';

const NOW = 1_700_000_000_000;
const STATE = 'c3RhdGUtb2YtdGhpcy1zaWduLWluLTAxMjM0NTY3ODk';
const AUTHORIZE = `https://github.corp.test/login/oauth/authorize?client_id=abc&state=${STATE}`;
const CLI_NEXT = '/cli-login?cliSessionPort=4000&cliSessionNonce=abcdefghijklmnop&cliSessionDescription=laptop';

/** identity's OAuth routes as the contract describes them. */
class FakeIdentity implements IdentityCaller {
  calls: Array<{ path: string; body: unknown }> = [];
  callbackError: UpstreamError | undefined;

  get<T>(): Promise<T> {
    return Promise.reject(new UpstreamError(404, 'Not Found: no route'));
  }

  call<T>(method: string, path: string, body: unknown): Promise<T> {
    return method === 'POST' ? this.post<T>(path, body) : this.get<T>();
  }

  post<T>(path: string, body: unknown): Promise<T> {
    this.calls.push({ path, body });
    if (path === '/internal/v1/sign-in/oauth/corp-github/start') return Promise.resolve({ redirectUrl: AUTHORIZE, state: STATE, expiresAt: NOW + 600_000 } satisfies OAuthStartResponse as T);
    if (path === '/internal/v1/sign-in/oauth/nope/start') return Promise.reject(new UpstreamError(404, "Not Found: no OAuth sign-in method 'nope'"));
    if (path === '/internal/v1/sign-in/oauth/corp-github/callback') {
      if (this.callbackError) return Promise.reject(this.callbackError);
      return Promise.resolve({ session: { token: 'bmV3LW9hdXRoLXNlc3Npb24', expiresAt: NOW + 3_600_000, idleTimeoutSeconds: 3600 }, user: { id: 'u1', login: 'mona', name: 'Mona' } } satisfies SignInResponse as T);
    }
    if (path === '/internal/v1/sessions/revoke') return Promise.resolve({} as T);
    return Promise.reject(new UpstreamError(404, 'Not Found: no route'));
  }
}

function setup() {
  const identity = new FakeIdentity();
  const settings: ConsoleSignInSettings = { plainHttp: false, trustedProxies: TrustedProxies.none(), now: () => NOW };
  const gateway = new IdentityGateway(identity);
  const signIn = new SignInService(gateway, new ConsoleSessionService(gateway), new BrowserFormGuard(settings), settings);
  return { identity, oauth: new OAuthSignInService(identity, signIn, settings) };
}

function browser(query: Record<string, string | string[]>, cookies: Record<string, string> = {}): BrowserRequest {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  return { query: params, cookies: new Map(Object.entries(cookies)), host: 'console.example', peerAddress: '192.0.2.7', userAgent: 'spec', requestId: 'r1' };
}

const asRedirect = (result: BrowserResult): RedirectResult => {
  assert.equal(result.kind, 'redirect', JSON.stringify(result));
  return result;
};
const asPage = (result: BrowserResult): PageResult => {
  assert.equal(result.kind, 'page', JSON.stringify(result));
  return result;
};
const cookieValue = (setCookie: string) => setCookie.slice(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));

void describe('console OAuth sign-in', () => {
  before(() => {
    Logger.overrideLogger(false);
  });

  void it('starts at identity and sends the browser to the provider with the state in a Lax, host-only cookie', async () => {
    const { oauth } = setup();
    const started = asRedirect(await oauth.start(browser({ next: CLI_NEXT }), 'corp-github'));
    assert.equal(started.status, 303);
    assert.equal(started.location, AUTHORIZE);
    assert.equal(started.cookies.length, 1);
    assert.match(started.cookies[0], /^__Host-stackyard-oauth=[^;]+; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    assert.deepEqual(decodeOAuthState(cookieValue(started.cookies[0])), { methodId: 'corp-github', state: STATE, next: CLI_NEXT });
  });

  void it('shows identity\'s refusal of an unknown method, and refuses ids that cannot be one', async () => {
    const { oauth, identity } = setup();
    const unknown = asPage(await oauth.start(browser({}), 'nope'));
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /no OAuth sign-in method/);
    assert.equal(asPage(await oauth.start(browser({}), '../x')).status, 404);
    assert.equal(identity.calls.length, 1, 'a malformed id never reaches identity');
  });

  void it('relays the callback with the cookie\'s state, clears the cookie, sets the session and goes on to next', async () => {
    const { oauth, identity } = setup();
    const cookie = encodeOAuthState({ methodId: 'corp-github', state: STATE, next: CLI_NEXT });
    const done = asRedirect(await oauth.callback(browser({ state: STATE, code: 'the-code' }, { [OAUTH_STATE_COOKIE]: cookie }), 'corp-github'));
    assert.equal(done.location, CLI_NEXT);
    assert.ok(done.cookies.some((c) => c.startsWith(`${OAUTH_STATE_COOKIE}=; Max-Age=0`)));
    assert.ok(done.cookies.some((c) => c.startsWith(`${SESSION_COOKIE}=bmV3LW9hdXRoLXNlc3Npb24;`)));
    assert.deepEqual(identity.calls.at(-1), {
      path: '/internal/v1/sign-in/oauth/corp-github/callback',
      body: { state: STATE, expectedState: STATE, code: 'the-code', sourceIp: '192.0.2.7', userAgent: 'spec' } satisfies OAuthCallbackRequest,
    });
  });

  void it('relays a callback without the cookie (or with another method\'s) with no expected state, for identity to refuse and audit', async () => {
    const { oauth, identity } = setup();
    identity.callbackError = new UpstreamError(401, 'This sign-in was not started in this browser (or its sign-in cookie is gone), so it was refused.');
    const page = asPage(await oauth.callback(browser({ state: STATE, code: 'c' }), 'corp-github'));
    assert.equal(page.status, 401);
    assert.match(page.body, /not started in this browser/);
    assert.match(page.body, /href="\/login"/);
    assert.equal((identity.calls.at(-1)!.body as OAuthCallbackRequest).expectedState, '');
    const other = encodeOAuthState({ methodId: 'corp-gitlab', state: STATE, next: '/' });
    await oauth.callback(browser({ state: STATE, code: 'c' }, { [OAUTH_STATE_COOKIE]: other }), 'corp-github');
    assert.equal((identity.calls.at(-1)!.body as OAuthCallbackRequest).expectedState, '');
  });

  void it('relays a denial and shows it, with the way back to sign-in keeping next', async () => {
    const { oauth, identity } = setup();
    identity.callbackError = new UpstreamError(403, 'You did not allow Stackyard to use your GitHub account, so you are not signed in.');
    const cookie = encodeOAuthState({ methodId: 'corp-github', state: STATE, next: '/stacks' });
    const page = asPage(await oauth.callback(browser({ state: STATE, error: 'access_denied', error_description: 'The user has denied your application access.' }, { [OAUTH_STATE_COOKIE]: cookie }), 'corp-github'));
    assert.equal(page.status, 403);
    assert.match(page.body, /did not allow Stackyard/);
    assert.match(page.body, /href="\/login\?next=%2Fstacks"/);
    assert.ok(page.cookies.some((c) => c.startsWith(`${OAUTH_STATE_COOKIE}=; Max-Age=0`)), 'one attempt per started sign-in');
    assert.deepEqual((identity.calls.at(-1)!.body as OAuthCallbackRequest).error, 'access_denied');
  });

  void it('refuses a callback that repeats a parameter, without asking identity', async () => {
    const { oauth, identity } = setup();
    const page = asPage(await oauth.callback(browser({ state: [STATE, 'other'], code: 'c' }), 'corp-github'));
    assert.equal(page.status, 400);
    assert.equal(identity.calls.length, 0);
  });

  void it('keeps only cookie values it wrote, and an unsafe next becomes /', () => {
    assert.equal(decodeOAuthState('garbage'), undefined);
    assert.equal(decodeOAuthState(Buffer.from(JSON.stringify({ m: 'x', s: 'short', n: '/' })).toString('base64url')), undefined);
    const value = encodeOAuthState({ methodId: 'corp-github', state: STATE, next: '//evil.example/' });
    assert.equal(decodeOAuthState(value)?.next, '/');
    assert.equal(decodeOAuthState(encodeOAuthState({ methodId: 'corp-github', state: STATE, next: `/${'a'.repeat(2000)}` }))?.next, `/${'a'.repeat(2000)}`);
  });

  void it('lists OAuth methods on the sign-in page as links that carry next', () => {
    const body = signInPageBody({ methods: [{ id: 'corp-github', kind: 'oauth', displayName: 'GitHub <Enterprise>' }], next: '/stacks', csrfToken: 't' });
    assert.match(body, /<a class="button" href="\/login\/oauth\/corp-github\?next=%2Fstacks">Sign in with GitHub &lt;Enterprise&gt;<\/a>/);
    assert.equal(oauthSignInPath('corp-github', '/'), '/login/oauth/corp-github');
  });
});
