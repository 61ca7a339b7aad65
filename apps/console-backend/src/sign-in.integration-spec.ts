import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getCACertificates, setDefaultCACertificates, type TLSSocket } from 'node:tls';
import type {
  CliTokenRequest,
  DirectorySignInRequest,
  PutSamlConfigRequest,
  ResolveSessionRequest,
  ResolveSessionResponse,
  SamlAcsRequest,
  SamlStartResponse,
  SignInMethodsResponse,
  SignInResponse,
} from '@stackyard/shared-contracts';
import { createCertificateAuthority, issueCertificate, serviceUri } from '@stackyard/shared-tls';
import { type BrowserResponse, freePort, hiddenField, tempDir, TestBrowser } from '@stackyard/testing';

const PASSWORD = 'correct horse battery staple';
const IDP_SSO_URL = 'https://idp.example.test/sso';
/** What the double's IdP "signed": a SAMLResponse well over the 16 KiB of ordinary sign-in forms. */
const SAML_RESPONSE = Buffer.from(`<samlp:Response>${'x'.repeat(100_000)}</samlp:Response>`).toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface DoubleUser {
  password: string;
  response: ResolveSessionResponse['user'];
  refusal?: { status: number; message: string };
}

/**
 * identity's sign-in contract (libs/shared/contracts/src/internal.ts) over mutual TLS, with users
 * in memory. It admits only the console's certificate, as the real identity service does.
 */
class IdentityDouble {
  readonly users = new Map<string, DoubleUser>([
    ['alice', { password: PASSWORD, response: { id: 'u1', login: 'alice', name: 'Alice Example', email: 'alice@example.test', siteAdmin: false } }],
    ['mallory', { password: PASSWORD, response: { id: 'u2', login: 'mallory', name: '', email: '', siteAdmin: false }, refusal: { status: 423, message: 'Locked: the account is locked; ask an administrator' } }],
    ['bob', { password: PASSWORD, response: { id: 'u3', login: 'bob', name: '', email: '', siteAdmin: false }, refusal: { status: 429, message: 'Too Many Requests: too many sign-in attempts; try again in 5 minutes' } }],
  ]);
  readonly sessions = new Map<string, { login: string; revoked: boolean }>();
  readonly sessionTokens: string[] = [];
  readonly accessTokens: string[] = [];
  readonly signIns: DirectorySignInRequest[] = [];
  readonly revocations: string[] = [];
  readonly cliTokenRequests: CliTokenRequest[] = [];
  /** Every body the console sent except sign-ins (which carry the password by design). */
  readonly sessionCallBodies: string[] = [];
  readonly refusedPeers: string[] = [];
  /** SAML: AuthnRequest IDs handed out, ACS calls received, configuration uploads. */
  readonly samlRequests = new Set<string>();
  readonly samlAcsCalls: SamlAcsRequest[] = [];
  readonly samlConfigUploads: PutSamlConfigRequest[] = [];
  /** Answer every call with a 500, as a broken identity would. */
  failing = false;

  handle(req: IncomingMessage, body: string): { status: number; json: unknown } {
    const error = (status: number, message: string) => ({ status, json: { code: status, message } });
    const path = req.url ?? '';
    if (this.failing) return error(500, 'Internal Server Error: database unavailable');
    if (req.method === 'GET' && path === '/internal/v1/sign-in/methods') {
      return {
        status: 200,
        json: {
          methods: [
            { id: 'corp', kind: 'directory', displayName: 'Corporate directory' },
            { id: 'okta', kind: 'saml', displayName: 'Okta' },
          ],
        } satisfies SignInMethodsResponse,
      };
    }
    const saml = this.handleSaml(req.method ?? '', path, body);
    if (saml) return saml;
    if (req.method !== 'POST') return error(404, 'Not Found: no route');
    const directory = /^\/internal\/v1\/sign-in\/directory\/([^/]+)$/.exec(path);
    if (directory) {
      if (directory[1] !== 'corp') return error(404, `Not Found: no sign-in method '${decodeURIComponent(directory[1])}'`);
      const request = JSON.parse(body) as DirectorySignInRequest;
      this.signIns.push(request);
      const user = this.users.get(request.username);
      if (user?.refusal) return error(user.refusal.status, user.refusal.message);
      if (!user || user.password !== request.password) return error(401, 'Unauthorized: invalid username or password');
      const token = randomBytes(32).toString('base64url');
      this.sessionTokens.push(token);
      this.sessions.set(sha256(token), { login: request.username, revoked: false });
      return {
        status: 200,
        json: {
          session: { token, expiresAt: Date.now() + 8 * 3600 * 1000, idleTimeoutSeconds: 3600 },
          user: { id: user.response.id, login: user.response.login, name: user.response.name },
        } satisfies SignInResponse,
      };
    }
    this.sessionCallBodies.push(body);
    const { sessionHash } = JSON.parse(body) as ResolveSessionRequest;
    const session = this.sessions.get(sessionHash);
    const live = session !== undefined && !session.revoked;
    switch (path) {
      case '/internal/v1/sessions/resolve':
        if (!live) return error(401, 'Unauthorized: the session is not valid');
        return {
          status: 200,
          json: { user: this.users.get(session.login)!.response, organizations: [{ name: 'stackyard', role: 'admin' }, { name: 'acme', role: 'member' }], expiresAt: Date.now() + 3600_000 } satisfies ResolveSessionResponse,
        };
      case '/internal/v1/sessions/revoke':
        this.revocations.push(sessionHash);
        if (session) session.revoked = true;
        return { status: 204, json: undefined };
      case '/internal/v1/cli-tokens': {
        if (!live) return error(401, 'Unauthorized: the session is not valid');
        this.cliTokenRequests.push(JSON.parse(body) as CliTokenRequest);
        const token = `pul-${randomBytes(20).toString('hex')}`;
        this.accessTokens.push(token);
        return { status: 201, json: { token, id: `t${this.accessTokens.length}`, name: 'cli' } };
      }
      default:
        return error(404, 'Not Found: no route');
    }
  }

  /** identity's SAML routes for organization `okta` (sign-in) and `stackyard` (configuration). */
  private handleSaml(method: string, path: string, body: string): { status: number; json: unknown } | undefined {
    const error = (status: number, message: string) => ({ status, json: { code: status, message } });
    const route = `${method} ${path}`;
    if (route === 'POST /internal/v1/sign-in/saml/okta/start') {
      const requestId = `_${randomBytes(20).toString('hex')}`;
      this.samlRequests.add(requestId);
      return { status: 200, json: { redirectUrl: `${IDP_SSO_URL}?SAMLRequest=${requestId}`, requestId, expiresAt: Date.now() + 900_000 } satisfies SamlStartResponse };
    }
    if (route === 'POST /internal/v1/sign-in/saml/nosso/start') return error(404, "Not Found: organization 'nosso' has no SAML sign-in enabled");
    if (route === 'POST /internal/v1/sign-in/saml/okta/acs') {
      const request = JSON.parse(body) as SamlAcsRequest;
      this.samlAcsCalls.push(request);
      if (request.samlResponse !== SAML_RESPONSE) return error(401, 'Unauthorized: SAML sign-in refused: this assertion was already used to sign in. Start the sign-in again from the sign-in page.');
      if (!this.samlRequests.delete(request.expectedRequestId)) return error(401, 'Unauthorized: SAML sign-in refused: the response answers another AuthnRequest than the one this browser started.');
      const token = randomBytes(32).toString('base64url');
      this.sessionTokens.push(token);
      this.sessions.set(sha256(token), { login: 'alice', revoked: false });
      return { status: 200, json: { session: { token, expiresAt: Date.now() + 8 * 3600 * 1000, idleTimeoutSeconds: 3600 }, user: { id: 'u1', login: 'alice', name: 'Alice Example' } } satisfies SignInResponse };
    }
    if (route === 'GET /internal/v1/orgs/okta/saml/sp-metadata') {
      return { status: 200, json: { entityId: 'https://console.test/saml/okta', acsUrl: 'https://console.test/saml/okta/acs', metadataXml: '<md:EntityDescriptor entityID="https://console.test/saml/okta"/>' } };
    }
    if (route === 'PUT /internal/v1/orgs/stackyard/saml') {
      const request = JSON.parse(body) as PutSamlConfigRequest;
      this.samlConfigUploads.push(request);
      if (request.idpMetadataXml === 'not xml') return error(400, 'Bad Request: the IdP metadata was refused: IdP metadata is not well-formed XML');
      return { status: 200, json: { organization: 'stackyard', configured: true, enabled: true } };
    }
    return undefined;
  }

  listener(req: IncomingMessage, res: ServerResponse): void {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const names = (peer.subjectaltname ?? '').split(',').map((s) => s.trim());
    if (!names.includes(`URI:${serviceUri('console-backend')}`)) {
      this.refusedPeers.push(peer.subjectaltname ?? '');
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"code":403,"message":"Forbidden: not the console"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, json } = this.handle(req, Buffer.concat(chunks).toString('utf8'));
      if (json === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  }
}

/** Every browser of this file, so the last test can check all pages for leaked secrets. */
const browsers: TestBrowser[] = [];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

void describe('console-backend browser sign-in against an identity double', () => {
  const identity = new IdentityDouble();
  const cliCalls: URL[] = [];
  let identityServer: Server;
  let cliListener: Server;
  let cliPort: number;
  let child: ChildProcess | undefined;
  let output = '';
  let consoleUrl: string;
  const nonce = randomBytes(32).toString('hex');
  const description = 'Generated by pulumi login on build-7 at 2025-11-26T10:00:00Z';
  const cliLoginQuery = () => new URLSearchParams({ cliSessionPort: String(cliPort), cliSessionNonce: nonce, cliSessionDescription: description, cliCommand: 'pulumi login' });
  const csrfValues: string[] = [];
  const newBrowser = () => {
    const browser = new TestBrowser(consoleUrl);
    browsers.push(browser);
    return browser;
  };

  before(async () => {
    const dir = tempDir('stackyard-console-sign-in-it');
    const ca = await createCertificateAuthority('Stackyard test CA');
    const write = (name: string, pem: string) => {
      const path = join(dir, name);
      writeFileSync(path, pem, { mode: 0o600 });
      return path;
    };
    const caFile = write('ca.pem', ca.certPem);
    const service = (name: 'identity' | 'console-backend') =>
      issueCertificate(ca, { commonName: name, dnsNames: ['localhost', name], ipAddresses: ['127.0.0.1'], uris: [serviceUri(name)], serverAuth: true, clientAuth: true });
    const identityCert = await service('identity');
    const consoleInternal = await service('console-backend');
    const consolePublic = await issueCertificate(ca, { commonName: 'stackyard', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], serverAuth: true });
    // fetch trusts the test CA like a browser trusting the installation's CA.
    setDefaultCACertificates([...getCACertificates('default'), ca.certPem]);

    identityServer = createHttpsServer(
      { cert: identityCert.certPem, key: identityCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => identity.listener(req, res),
    );
    const identityPort = await listen(identityServer);

    // The CLI's side of `pulumi login`: receives the token, answers 307 to the console's welcome page.
    cliListener = createHttpServer((req, res) => {
      cliCalls.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(307, { location: `${consoleUrl}/welcome/cli` }).end();
    });
    cliPort = await listen(cliListener);

    const port = await freePort();
    consoleUrl = `https://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('STACKYARD_') && key !== 'NODE_TEST_CONTEXT') env[key] = value;
    Object.assign(env, {
      STACKYARD_PORT: String(port),
      STACKYARD_LISTEN_HOST: '127.0.0.1',
      STACKYARD_TLS_CERT_FILE: write('public.pem', consolePublic.certPem),
      STACKYARD_TLS_KEY_FILE: write('public-key.pem', consolePublic.keyPem),
      STACKYARD_INTERNAL_CA_FILE: caFile,
      STACKYARD_INTERNAL_CERT_FILE: write('console.pem', consoleInternal.certPem),
      STACKYARD_INTERNAL_KEY_FILE: write('console-key.pem', consoleInternal.keyPem),
      STACKYARD_IDENTITY_URL: `https://127.0.0.1:${identityPort}`,
      // The test client connects from loopback, so it may play a proxy and name the client.
      STACKYARD_TRUSTED_PROXIES: '127.0.0.1',
      STACKYARD_LOG_FORMAT: 'json',
    });
    child = spawn(process.execPath, [join(__dirname, 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) assert.fail(`console-backend exited with ${child.exitCode}:\n${output}`);
      try {
        if ((await fetch(`${consoleUrl}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) assert.fail(`console-backend did not become healthy:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => identityServer?.close(resolve));
    await new Promise((resolve) => cliListener?.close(resolve));
  });

  /** Opens /login?next=… and returns the CSRF token of the page's form. */
  async function openSignIn(browser: TestBrowser, next: string): Promise<{ csrf: string; page: BrowserResponse }> {
    const page = await browser.request(`/login?${new URLSearchParams({ next }).toString()}`);
    assert.equal(page.status, 200, page.body);
    const csrf = hiddenField(page.body, 'csrf');
    csrfValues.push(csrf);
    return { csrf, page };
  }

  void it('logs the Pulumi CLI in through the browser: /cli-login → /login → form → /cli-login → loopback', async () => {
    const browser = newBrowser();
    const start = await browser.request(`/cli-login?${cliLoginQuery().toString()}`);
    assert.equal(start.status, 303);
    const loginUrl = new URL(start.location!, consoleUrl);
    assert.equal(loginUrl.pathname, '/login');
    const next = loginUrl.searchParams.get('next')!;
    assert.equal(next, `/cli-login?${cliLoginQuery().toString()}`);

    const page = await browser.request(start.location!);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self' http:\/\/127\.0\.0\.1:\*/);
    const styleNonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(styleNonce && page.body.includes(`<style nonce="${styleNonce}">`));
    assert.doesNotMatch(page.body, /<script|https?:\/\/(?!127\.0\.0\.1)/i, 'no script, nothing external');
    assert.match(page.body, /<a class="button" href="\/login\/saml\/okta\?next=%2Fcli-login%3F[^"]*">Sign in with Okta<\/a>/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('referrer-policy'), 'same-origin');
    assert.match(page.body, /<main>/);
    assert.match(page.body, /<label for="m0-username">Username<\/label>/);
    assert.match(page.body, /<label for="m0-password">Password<\/label>/);
    assert.match(page.body, /Generated by pulumi login on build-7/);
    assert.ok(browser.jar.has('__Host-stackyard-csrf'));
    const csrf = hiddenField(page.body, 'csrf');
    csrfValues.push(csrf, browser.jar.get('__Host-stackyard-csrf')!);
    assert.equal(hiddenField(page.body, 'next'), next);

    const signedIn = await browser.request('/login/directory/corp', { form: { username: 'alice', password: PASSWORD, csrf, next } });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, next);
    const sessionCookie = signedIn.setCookies.find((c) => c.startsWith('__Host-stackyard-session='));
    assert.ok(sessionCookie);
    const attributes = sessionCookie.split('; ').slice(1);
    for (const attribute of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(attributes.includes(attribute), `${attribute} in ${attributes.join('; ')}`);
    const maxAge = Number(/Max-Age=(\d+)/.exec(sessionCookie)?.[1]);
    assert.ok(maxAge > 8 * 3600 - 60 && maxAge <= 8 * 3600, `Max-Age ${maxAge}`);
    assert.equal(browser.jar.get('__Host-stackyard-session'), identity.sessionTokens.at(-1));
    assert.equal(identity.signIns.at(-1)?.sourceIp, '127.0.0.1');
    assert.equal(identity.signIns.at(-1)?.userAgent, 'StackyardTestBrowser/1.0');

    const handOver = await browser.request(signedIn.location);
    assert.equal(handOver.status, 302);
    assert.equal(handOver.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(handOver.headers.get('cache-control'), 'no-store');
    assert.equal(handOver.body, '');
    const callback = new URL(handOver.location!);
    assert.equal(callback.origin, `http://127.0.0.1:${cliPort}`);
    assert.deepEqual(identity.cliTokenRequests.at(-1), { sessionHash: sha256(identity.sessionTokens.at(-1)!), description });

    const cli = await browser.request(handOver.location!);
    assert.equal(cli.status, 307);
    assert.equal(cliCalls.length, 1);
    assert.equal(cliCalls[0].searchParams.get('accessToken'), identity.accessTokens.at(-1));
    assert.equal(cliCalls[0].searchParams.get('nonce'), nonce);

    const welcome = await browser.request(cli.location!);
    assert.equal(welcome.status, 200);
    assert.match(welcome.body, /return to your terminal/i);

    // Already signed in: straight to the CLI.
    const again = await browser.request(`/cli-login?${cliLoginQuery().toString()}`);
    assert.equal(again.status, 302);
    assert.equal(new URL(again.location!).searchParams.get('accessToken'), identity.accessTokens.at(-1));
  });

  void it('shows a wrong password, a locked account and throttling with identity’s message and status, username kept', async () => {
    const browser = newBrowser();
    const { csrf } = await openSignIn(browser, '/');
    for (const [username, password, status, message] of [
      ['alice', 'not the password', 401, 'invalid username or password'],
      ['mallory', PASSWORD, 423, 'the account is locked; ask an administrator'],
      ['bob', PASSWORD, 429, 'too many sign-in attempts; try again in 5 minutes'],
    ] as const) {
      const res = await browser.request('/login/directory/corp', { form: { username, password, csrf, next: '/' } });
      assert.equal(res.status, status, res.body);
      assert.match(res.body, new RegExp(`role="alert"[^>]*>${message}</p>`));
      assert.match(res.body, new RegExp(`name="username"[^>]* value="${username}"`));
      assert.ok(!res.body.includes(password), 'the password is never echoed');
      assert.equal(browser.jar.has('__Host-stackyard-session'), false);
    }
    const unknown = await browser.request('/login/directory/nope', { form: { username: 'alice', password: PASSWORD, csrf, next: '/' } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /no sign-in method &#39;nope&#39;/);
  });

  void it('refuses sign-in posts without the CSRF token, with a wrong one, or from another origin (403)', async () => {
    const browser = newBrowser();
    const { csrf } = await openSignIn(browser, '/');
    const before = identity.signIns.length;
    const form = { username: 'alice', password: PASSWORD, next: '/' };
    for (const [label, options] of [
      ['missing', { form }],
      ['wrong', { form: { ...form, csrf: csrf.slice(0, -2) + (csrf.endsWith('AA') ? 'BB' : 'AA') } }],
      ['another browser’s', { form: { ...form, csrf: (await openSignIn(newBrowser(), '/')).csrf } }],
      ['cross-origin', { form: { ...form, csrf }, origin: 'https://evil.example' }],
      ['opaque origin', { form: { ...form, csrf }, origin: 'null' }],
      ['cross-site fetch', { form: { ...form, csrf }, origin: null, headers: { 'sec-fetch-site': 'cross-site' } }],
    ] as const) {
      const res = await browser.request('/login/directory/corp', options);
      assert.equal(res.status, 403, `${label}: ${res.body}`);
      assert.ok(!res.body.includes(PASSWORD));
    }
    assert.equal(identity.signIns.length, before, 'identity never saw a refused form');
    const noOrigin = await browser.request('/login/directory/corp', { form: { ...form, csrf }, origin: null });
    assert.equal(noOrigin.status, 303, 'a same-origin post without Origin (older browsers) is fine');
  });

  void it('never redirects off the console after sign-in', async () => {
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil', '/\\/evil.example', '/\t/evil.example']) {
      const browser = newBrowser();
      const { csrf } = await openSignIn(browser, next);
      const res = await browser.request('/login/directory/corp', { form: { username: 'alice', password: PASSWORD, csrf, next } });
      assert.equal(res.status, 303);
      assert.equal(res.location, '/', next);
    }
  });

  void it('takes the client address from X-Forwarded-For only because the peer is a trusted proxy', async () => {
    const browser = newBrowser();
    const { csrf } = await openSignIn(browser, '/');
    await browser.request('/login/directory/corp', { form: { username: 'alice', password: 'wrong', csrf, next: '/' }, headers: { 'x-forwarded-for': '198.51.100.23, 203.0.113.7' } });
    assert.equal(identity.signIns.at(-1)?.sourceIp, '203.0.113.7');
  });

  void it('shows who is signed in, and signs out: CSRF-checked, revoked at identity, cookie cleared', async () => {
    const browser = newBrowser();
    assert.equal((await browser.request('/')).location, '/login');
    const { csrf: loginCsrf } = await openSignIn(browser, '/');
    await browser.request('/login/directory/corp', { form: { username: 'alice', password: PASSWORD, csrf: loginCsrf, next: '/' } });
    const sessionToken = browser.jar.get('__Host-stackyard-session')!;
    const home = await browser.request('/');
    assert.equal(home.status, 200);
    assert.match(home.body, /Signed in as Alice Example \(alice\)/);
    assert.match(home.body, /<li>stackyard \(admin\)<\/li>/);
    assert.match(home.body, /<li>acme \(member\)<\/li>/);
    const csrf = hiddenField(home.body, 'csrf');
    csrfValues.push(csrf);
    assert.notEqual(csrf, loginCsrf);

    for (const [label, options] of [
      ['missing', { form: {} }],
      ['the sign-in form’s', { form: { csrf: loginCsrf } }],
      ['cross-origin', { form: { csrf }, origin: 'https://evil.example' }],
    ] as const) {
      const res = await browser.request('/logout', options);
      assert.equal(res.status, 403, label);
    }
    assert.equal(identity.revocations.includes(sha256(sessionToken)), false);

    const out = await browser.request('/logout', { form: { csrf } });
    assert.equal(out.status, 303);
    assert.equal(out.location, '/login');
    assert.ok(out.setCookies.some((c) => /^__Host-stackyard-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(c)));
    assert.equal(browser.jar.has('__Host-stackyard-session'), false);
    assert.equal(identity.revocations.at(-1), sha256(sessionToken));

    // The old cookie stops working at once, and a browser still sending it is told to drop it.
    const replay = newBrowser();
    replay.jar.set('__Host-stackyard-session', sessionToken);
    const stale = await replay.request('/');
    assert.equal(stale.status, 303);
    assert.equal(stale.location, '/login');
    assert.ok(stale.setCookies.some((c) => c.startsWith('__Host-stackyard-session=; Max-Age=0')));
    const staleCli = await replay.request(`/cli-login?${cliLoginQuery().toString()}`);
    assert.equal(staleCli.status, 303);
    assert.match(staleCli.location!, /^\/login\?next=%2Fcli-login%3F/);
  });

  void it('logs the CLI in through SAML: /cli-login → /login → /login/saml → IdP → cross-site ACS post → /cli-login → loopback', async () => {
    const browser = newBrowser();
    const start = await browser.request(`/cli-login?${cliLoginQuery().toString()}`);
    const next = new URL(start.location!, consoleUrl).searchParams.get('next')!;
    const login = await browser.request(start.location!);
    const samlLink = /href="(\/login\/saml\/okta\?[^"]+)"/.exec(login.body)![1].replace(/&amp;/g, '&');
    const toIdp = await browser.request(samlLink);
    assert.equal(toIdp.status, 303);
    const authorize = new URL(toIdp.location!);
    assert.equal(`${authorize.origin}${authorize.pathname}`, IDP_SSO_URL);
    const requestId = authorize.searchParams.get('SAMLRequest')!;
    const state = toIdp.setCookies.find((c) => c.startsWith('__Host-stackyard-saml='))!;
    for (const attribute of ['Secure', 'HttpOnly', 'SameSite=None', 'Path=/']) assert.ok(state.split('; ').includes(attribute), `${attribute} in ${state}`);

    // The IdP's auto-submitted form: cross-site, no CSRF token of ours, a large body.
    const acs = await browser.request('/saml/okta/acs', { form: { SAMLResponse: SAML_RESPONSE, RelayState: '' }, origin: 'https://idp.example.test', headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(acs.status, 303, acs.body);
    assert.equal(acs.location, next);
    assert.deepEqual(identity.samlAcsCalls.at(-1), { samlResponse: SAML_RESPONSE, expectedRequestId: requestId, sourceIp: '127.0.0.1', userAgent: 'StackyardTestBrowser/1.0' });
    assert.equal(browser.jar.has('__Host-stackyard-saml'), false, 'the sign-in state is used once');
    assert.equal(browser.jar.get('__Host-stackyard-session'), identity.sessionTokens.at(-1));

    const handOver = await browser.request(acs.location);
    assert.equal(handOver.status, 302);
    assert.equal(new URL(handOver.location!).searchParams.get('accessToken'), identity.accessTokens.at(-1));
  });

  void it('shows a refused assertion, a post without this browser’s sign-in and an unknown SSO as pages with their status, and no session', async () => {
    const browser = newBrowser();
    await browser.request('/login/saml/okta?next=%2F');
    const refused = await browser.request('/saml/okta/acs', { form: { SAMLResponse: 'UmVwbGF5ZWQ=' }, origin: 'https://idp.example.test' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(refused.body, /SAML sign-in refused: this assertion was already used to sign in/);
    assert.equal(browser.jar.has('__Host-stackyard-session'), false);

    const calls = identity.samlAcsCalls.length;
    const stranger = await newBrowser().request('/saml/okta/acs', { form: { SAMLResponse: SAML_RESPONSE }, origin: 'https://idp.example.test' });
    assert.equal(stranger.status, 400);
    assert.match(stranger.body, /not started in this browser/);
    assert.equal(identity.samlAcsCalls.length, calls, 'identity is not even asked');

    const unknown = await newBrowser().request('/login/saml/nosso');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /has no SAML sign-in enabled/);
  });

  void it('serves the SP metadata publicly as SAML metadata XML', async () => {
    for (const path of ['/saml/okta/metadata', '/saml/okta']) {
      const res = await fetch(`${consoleUrl}${path}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/samlmetadata+xml; charset=utf-8');
      assert.match(await res.text(), /entityID="https:\/\/console\.test\/saml\/okta"/);
    }
    assert.equal((await fetch(`${consoleUrl}/saml/nope/metadata`)).status, 404);
  });

  void it('takes an org admin’s SAML upload as JSON with the session’s CSRF header, and answers JSON errors otherwise', async () => {
    const browser = newBrowser();
    const { csrf: loginCsrf } = await openSignIn(browser, '/');
    await browser.request('/login/directory/corp', { form: { username: 'alice', password: PASSWORD, csrf: loginCsrf, next: '/' } });
    const sessionToken = browser.jar.get('__Host-stackyard-session')!;
    const csrf = hiddenField((await browser.request('/')).body, 'csrf');
    const upload = (org: string, headers: Record<string, string>, body: unknown = { idpMetadataXml: '<md:EntityDescriptor/>', enabled: true, sessionHash: 'f'.repeat(64) }) =>
      fetch(`${consoleUrl}/api/console/orgs/${org}/saml`, { method: 'PUT', headers: { 'content-type': 'application/json', origin: consoleUrl, ...headers }, body: JSON.stringify(body) });
    const cookie = `__Host-stackyard-session=${sessionToken}`;

    const ok = await upload('stackyard', { cookie, 'x-csrf-token': csrf });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { organization: 'stackyard', configured: true, enabled: true });
    assert.deepEqual(identity.samlConfigUploads.at(-1), { idpMetadataXml: '<md:EntityDescriptor/>', enabled: true, sessionHash: sha256(sessionToken) });

    const bad = await upload('stackyard', { cookie, 'x-csrf-token': csrf }, { idpMetadataXml: 'not xml' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { code: 400, message: 'Bad Request: the IdP metadata was refused: IdP metadata is not well-formed XML' });
    for (const [label, org, headers, status] of [
      ['no session', 'stackyard', { 'x-csrf-token': csrf }, 401],
      ['no CSRF header', 'stackyard', { cookie }, 403],
      ['another origin', 'stackyard', { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' }, 403],
      ['a member, not an admin', 'acme', { cookie, 'x-csrf-token': csrf }, 403],
    ] as const) {
      const res = await upload(org, headers);
      assert.equal(res.status, status, label);
      const json = (await res.json()) as { code: number; message: string };
      assert.equal(json.code, status, label);
    }
    assert.equal(identity.samlConfigUploads.length, 2, 'identity saw only the admin’s two uploads');
  });

  void it('answers a malformed CLI request with a 400 page', async () => {
    const browser = newBrowser();
    for (const [change, message] of [
      [{ cliSessionPort: '0' }, /cliSessionPort must be a port number from 1 to 65535/],
      [{ cliSessionNonce: 'short' }, /cliSessionNonce must be 16 to 256 letters and digits/],
      [{ cliSessionDescription: 'x'.repeat(300) }, /cliSessionDescription is longer than 255 characters/],
    ] as const) {
      const res = await browser.request(`/cli-login?${new URLSearchParams({ ...Object.fromEntries(cliLoginQuery()), ...change }).toString()}`);
      assert.equal(res.status, 400);
      assert.match(res.body, message);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    }
  });

  void it('answers with a 503 page, not JSON, when identity fails', async () => {
    identity.failing = true;
    try {
      const res = await newBrowser().request('/login');
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.match(res.body, /Sign-in is unavailable right now/);
      assert.doesNotMatch(res.body, /database unavailable/, 'identity’s internals stay internal');
    } finally {
      identity.failing = false;
    }
  });

  void it('leaks no password, session or access token into a response body, identity call or log line', () => {
    const secrets = [PASSWORD, ...identity.sessionTokens, ...identity.accessTokens];
    assert.ok(identity.sessionTokens.length >= 3 && identity.accessTokens.length >= 2);
    assert.ok(browsers.flatMap((b) => b.bodies).length > 20);
    for (const body of browsers.flatMap((b) => b.bodies)) for (const secret of secrets) assert.ok(!body.includes(secret), 'a secret reached a response body');
    for (const body of identity.sessionCallBodies) {
      assert.match(body, /"sessionHash":"[0-9a-f]{64}"/);
      for (const secret of secrets) assert.ok(!body.includes(secret), 'identity receives hashes, never session tokens');
    }
    assert.deepEqual(identity.refusedPeers, []);
    assert.ok(output.length > 0, 'the service logged something');
    for (const secret of [...secrets, ...csrfValues, SAML_RESPONSE.slice(0, 64)]) assert.ok(!output.includes(secret), 'a secret (or an assertion) reached the log');
    for (const body of browsers.flatMap((b) => b.bodies)) assert.ok(!body.includes(SAML_RESPONSE.slice(0, 64)), 'an assertion reached a response body');
  });
});
