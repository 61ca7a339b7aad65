import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import type { PutSamlConfigRequest, ResolveSessionResponse, SamlAcsRequest, SamlConfigResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { UpstreamError } from '@stackyard/shared-http';
import { BrowserFormGuard } from './browser-form.guard';
import type { BrowserRequest } from './browser-request';
import type { BrowserResult, PageResult, RedirectResult } from './browser-result';
import type { ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { SAML_STATE_COOKIE, SESSION_COOKIE } from './cookies';
import { csrfTokenFor } from './csrf';
import { type IdentityCaller, IdentityGateway, sessionHashOf } from './identity.gateway';
import { OrganizationSamlService } from './organization-saml.service';
import { SamlSignInService } from './saml-sign-in.service';
import { decodeSamlState, encodeSamlState } from './saml-state';
import { SignInService } from './sign-in.service';
import { TrustedProxies } from './trusted-proxies';

const NOW = 1_700_000_000_000;
const HOST = 'console.example';
const ORIGIN = `https://${HOST}`;
const IDP = 'https://idp.example/sso?SAMLRequest=abc';
const ADMIN_SESSION = 'YWRtaW4tc2Vzc2lvbi10b2tlbi0wMTIzNDU2Nzg5';
const MEMBER_SESSION = 'bWVtYmVyLXNlc3Npb24tdG9rZW4tMDEyMzQ1Njc4OQ';

/** identity's SAML and session routes as the contract describes them. */
class FakeIdentity implements IdentityCaller {
  calls: Array<{ method: string; path: string; body?: unknown }> = [];
  acsError: UpstreamError | undefined;

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path, undefined);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  call<T>(method: string, path: string, body: unknown): Promise<T> {
    this.calls.push({ method, path, body });
    const route = `${method} ${path}`;
    if (route === 'POST /internal/v1/sign-in/saml/acme/start') return Promise.resolve({ redirectUrl: IDP, requestId: '_req1', expiresAt: NOW + 900_000 } as T);
    if (route === 'POST /internal/v1/sign-in/saml/nosso/start') return Promise.reject(new UpstreamError(404, "Not Found: organization 'nosso' has no SAML sign-in enabled"));
    if (route === 'POST /internal/v1/sign-in/saml/acme/acs') {
      if (this.acsError) return Promise.reject(this.acsError);
      return Promise.resolve({ session: { token: 'bmV3LXNhbWwtc2Vzc2lvbg', expiresAt: NOW + 3_600_000, idleTimeoutSeconds: 3600 }, user: { id: 'u9', login: 'alice', name: 'Alice' } } satisfies SignInResponse as T);
    }
    if (route === 'POST /internal/v1/sessions/resolve') {
      const { sessionHash } = body as { sessionHash: string };
      const role = sessionHash === sessionHashOf(ADMIN_SESSION) ? 'admin' : sessionHash === sessionHashOf(MEMBER_SESSION) ? 'member' : undefined;
      if (!role) return Promise.reject(new UpstreamError(401, 'Unauthorized: unknown session'));
      const session: ResolveSessionResponse = { user: { id: 'u1', login: role, name: role, email: '', siteAdmin: false }, organizations: [{ name: 'acme', role }], expiresAt: NOW + 3_600_000 };
      return Promise.resolve(session as T);
    }
    if (route === 'POST /internal/v1/sessions/revoke') return Promise.resolve({} as T);
    if (route === 'GET /internal/v1/orgs/acme/saml' || route === 'PUT /internal/v1/orgs/acme/saml') return Promise.resolve({ organization: 'acme' } as T);
    return Promise.reject(new UpstreamError(404, 'Not Found: no route'));
  }
}

function setup() {
  const identity = new FakeIdentity();
  const settings: ConsoleSignInSettings = { plainHttp: false, trustedProxies: TrustedProxies.none(), now: () => NOW };
  const gateway = new IdentityGateway(identity);
  const sessions = new ConsoleSessionService(gateway);
  const signIn = new SignInService(gateway, sessions, new BrowserFormGuard(settings), settings);
  return { identity, saml: new SamlSignInService(gateway, signIn, settings), config: new OrganizationSamlService(gateway, sessions, settings) };
}

function request(overrides: Partial<BrowserRequest> & { cookieList?: Record<string, string>; fields?: Record<string, string> } = {}): BrowserRequest {
  const { cookieList, fields, ...rest } = overrides;
  return {
    query: new URLSearchParams(),
    cookies: new Map(Object.entries(cookieList ?? {})),
    host: HOST,
    peerAddress: '192.0.2.10',
    ...(fields ? { form: new URLSearchParams(fields) } : {}),
    ...rest,
  };
}

const asPage = (result: BrowserResult): PageResult => {
  assert.equal(result.kind, 'page');
  return result;
};
const asRedirect = (result: BrowserResult): RedirectResult => {
  assert.equal(result.kind, 'redirect');
  return result;
};
/** The IdP's auto-post: from the IdP's origin, cross-site, with the state cookie (SameSite=None). */
const acsPost = (state: string | undefined, fields: Record<string, string> = { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', RelayState: '' }) =>
  request({ origin: 'https://idp.example', secFetchSite: 'cross-site', cookieList: state === undefined ? {} : { [SAML_STATE_COOKIE]: state }, fields });

void describe(SamlSignInService.name, () => {
  before(() => {
    Logger.overrideLogger(false);
  });

  void it('starts at identity, keeps the request ID and `next` in a SameSite=None cookie, and sends the browser to the IdP', async () => {
    const { saml } = setup();
    const result = asRedirect(await saml.start(request({ query: new URLSearchParams({ next: '/cli-login?cliSessionPort=1' }) }), 'acme'));
    assert.equal(result.status, 303);
    assert.equal(result.location, IDP);
    const cookie = result.cookies.find((c) => c.startsWith(`${SAML_STATE_COOKIE}=`))!;
    assert.deepEqual(cookie.split('; ').slice(1).sort(), ['HttpOnly', 'Max-Age=900', 'Path=/', 'SameSite=None', 'Secure']);
    assert.deepEqual(decodeSamlState(cookie.split(';')[0].split('=')[1]), { organization: 'acme', requestId: '_req1', next: '/cli-login?cliSessionPort=1' });
  });

  void it('shows identity’s refusal to start as a page, and refuses names that are no organization', async () => {
    const { saml, identity } = setup();
    const page = asPage(await saml.start(request(), 'nosso'));
    assert.equal(page.status, 404);
    assert.match(page.body, /organization &#39;nosso&#39; has no SAML sign-in enabled/);
    const calls = identity.calls.length;
    assert.equal(asPage(await saml.start(request(), '..%2Fx')).status, 404);
    assert.equal(identity.calls.length, calls);
  });

  void it('accepts the IdP’s cross-site post: identity checks it against this browser’s request, then the session cookie and a 303 to next', async () => {
    const { saml, identity } = setup();
    const state = encodeSamlState({ organization: 'acme', requestId: '_req1', next: '/stacks' });
    const result = asRedirect(await saml.acs(acsPost(state), 'acme'));
    assert.equal(result.status, 303);
    assert.equal(result.location, '/stacks');
    assert.ok(result.cookies.some((c) => c.startsWith(`${SESSION_COOKIE}=bmV3LXNhbWwtc2Vzc2lvbg;`) && c.includes('SameSite=Lax')));
    assert.ok(result.cookies.includes(`${SAML_STATE_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None`));
    assert.deepEqual(identity.calls.at(-1)?.body, { samlResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=', expectedRequestId: '_req1', sourceIp: '192.0.2.10' } satisfies SamlAcsRequest);
  });

  void it('refuses a post without this browser’s sign-in state, or for another organization, without asking identity (400)', async () => {
    const { saml, identity } = setup();
    const other = encodeSamlState({ organization: 'other', requestId: '_req1', next: '/' });
    for (const state of [undefined, 'garbage', other]) {
      const page = asPage(await saml.acs(acsPost(state), 'acme'));
      assert.equal(page.status, 400);
      assert.match(page.body, /not started in this browser/);
    }
    const empty = asPage(await saml.acs(acsPost(encodeSamlState({ organization: 'acme', requestId: '_r', next: '/' }), {}), 'acme'));
    assert.equal(empty.status, 400);
    assert.match(empty.body, /no SAMLResponse/);
    assert.ok(!identity.calls.some((c) => c.path.endsWith('/acs')));
  });

  void it('shows identity’s refusal of the assertion with its status, clears the state, sets no session', async () => {
    const { saml, identity } = setup();
    identity.acsError = new UpstreamError(401, 'Unauthorized: SAML sign-in refused: this assertion was already used to sign in. Start the sign-in again from the sign-in page.');
    const page = asPage(await saml.acs(acsPost(encodeSamlState({ organization: 'acme', requestId: '_req1', next: '/x' })), 'acme'));
    assert.equal(page.status, 401);
    assert.match(page.body, /SAML sign-in refused: this assertion was already used to sign in/);
    assert.match(page.body, /href="\/login\?next=%2Fx"/);
    assert.deepEqual(page.cookies, [`${SAML_STATE_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None`]);
  });

  void it('keeps an over-long `next` out of the cookie rather than fail', () => {
    const state = encodeSamlState({ organization: 'acme', requestId: '_req1', next: `/${'a'.repeat(2040)}` });
    assert.equal(decodeSamlState(state)?.next, `/${'a'.repeat(2040)}`);
    const quoted = encodeSamlState({ organization: 'acme', requestId: '_req1', next: `/${'"'.repeat(2040)}` });
    assert.equal(decodeSamlState(quoted)?.next, '/');
  });
});

void describe(OrganizationSamlService.name, () => {
  const put = (session: string | undefined, extra: Partial<BrowserRequest> = {}) =>
    request({ cookieList: session ? { [SESSION_COOKIE]: session } : {}, origin: ORIGIN, contentType: 'application/json', ...(session ? { csrfHeader: csrfTokenFor(session) } : {}), ...extra });
  const status = (expected: number, message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, expected);
    assert.match(error.message, message);
    return true;
  };
  const body = { idpMetadataXml: '<md:EntityDescriptor/>', enabled: true, teamMappings: [{ group: 'g', team: 't' }], sessionHash: 'f'.repeat(64), login: 'evil' };

  void it('passes an admin’s upload on with the session’s hash (never one from the body) and the settings only', async () => {
    const { config, identity } = setup();
    assert.deepEqual(await config.update(put(ADMIN_SESSION), 'acme', body), { organization: 'acme' } as SamlConfigResponse);
    const sent = identity.calls.at(-1)!;
    assert.equal(sent.method, 'PUT');
    assert.deepEqual(sent.body, { idpMetadataXml: '<md:EntityDescriptor/>', enabled: true, teamMappings: [{ group: 'g', team: 't' }], sessionHash: sessionHashOf(ADMIN_SESSION) } satisfies PutSamlConfigRequest);
  });

  void it('refuses: no session (401), no or a wrong CSRF header, another origin, a member (403), not JSON (415)', async () => {
    const { config, identity } = setup();
    await assert.rejects(config.update(put(undefined), 'acme', body), status(401, /sign in to the console first/));
    await assert.rejects(config.update(put(ADMIN_SESSION, { csrfHeader: undefined }), 'acme', body), status(403, /X-CSRF-Token/));
    await assert.rejects(config.update(put(ADMIN_SESSION, { csrfHeader: csrfTokenFor(MEMBER_SESSION) }), 'acme', body), status(403, /X-CSRF-Token/));
    await assert.rejects(config.update(put(ADMIN_SESSION, { origin: 'https://evil.example' }), 'acme', body), status(403, /another site/));
    await assert.rejects(config.update(put(MEMBER_SESSION), 'acme', body), status(403, /only an admin of organization 'acme'/));
    await assert.rejects(config.update(put(ADMIN_SESSION), 'other', body), status(403, /only an admin of organization 'other'/));
    await assert.rejects(config.update(put(ADMIN_SESSION, { contentType: 'text/plain' }), 'acme', body), status(415, /application\/json/));
    await assert.rejects(config.describe(put(MEMBER_SESSION), 'acme'), status(403, /only an admin/));
    assert.ok(!identity.calls.some((c) => c.method === 'PUT'), 'identity never saw a refused change');
    assert.deepEqual(await config.describe(request({ cookieList: { [SESSION_COOKIE]: ADMIN_SESSION } }), 'acme'), { organization: 'acme' });
  });
});
