import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SignInResponse } from '@stackyard/shared-contracts';
import { UpstreamError } from '@stackyard/shared-http';
import { BrowserFormGuard } from './browser-form.guard';
import type { BrowserRequest } from './browser-request';
import { type BrowserResult, pageResult, redirectResult } from './browser-result';
import { CLI_CALLBACK_FORM_ACTION, cliLoginRequestIn } from './cli-login-request';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { clearedCookie, LOGIN_CSRF_COOKIE, loginCsrfCookie, SESSION_COOKIE, sessionCookie } from './cookies';
import { csrfTokenFor, newLoginCsrfSecret } from './csrf';
import { IdentityGateway } from './identity.gateway';
import { loginPath, safeNextPath } from './next-path';
import { homePageBody, signInPageBody } from './pages';

/** Sign-in method ids come from configuration (`corp-ldap`); anything else cannot name one. */
const METHOD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;

interface SignInPageState {
  next: string;
  status: number;
  cookies?: string[];
  failure?: { methodId: string; message: string };
  username?: string;
}

/** The sign-in page, directory sign-in, the signed-in landing page and sign-out. */
@Injectable()
export class SignInService {
  private readonly logger = new Logger('console-sign-in');

  constructor(
    private readonly identity: IdentityGateway,
    private readonly sessions: ConsoleSessionService,
    private readonly guard: BrowserFormGuard,
    @Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings,
  ) {}

  /** `GET /login?next=`: the methods identity offers; someone already signed in goes on to `next`. */
  async loginPage(request: BrowserRequest): Promise<BrowserResult> {
    const next = safeNextPath(request.query.get('next'));
    const lookup = await this.sessions.lookup(request);
    if (lookup.signedIn) return redirectResult(303, next);
    return this.signInPage(request, { next, status: 200, cookies: lookup.cookies });
  }

  /** `POST /login/directory/:id`: username and password, checked by identity against LDAP / AD. */
  async directorySignIn(request: BrowserRequest, methodId: string): Promise<BrowserResult> {
    const form = request.form ?? new URLSearchParams();
    const next = safeNextPath(form.get('next'));
    const retry = { href: loginPath(next), text: 'Back to sign-in' };
    const refusal =
      this.guard.crossSiteRefusal(request, 'a sign-in', retry) ?? this.guard.csrfRefusal(request, request.cookies.get(LOGIN_CSRF_COOKIE), 'a sign-in', retry);
    if (refusal) return refusal;
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const fail = (status: number, message: string) => this.signInPage(request, { next, status, failure: { methodId, message }, username });
    if (!METHOD_ID.test(methodId)) return fail(404, 'This sign-in method does not exist.');
    if (username.trim() === '' || password === '') return fail(400, 'Enter your username and password.');
    if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) return fail(400, 'The username or password is too long.');
    const sourceIp = this.clientAddress(request);
    let signedIn: SignInResponse;
    try {
      signedIn = await this.identity.directorySignIn(methodId, { username, password, sourceIp, ...(request.userAgent ? { userAgent: request.userAgent } : {}) }, request.requestId);
    } catch (error) {
      // Identity words its refusals for people (wrong password, locked account, too many attempts).
      if (error instanceof UpstreamError) return fail(error.status, error.detail);
      throw error;
    }
    return this.completeSignIn(request, signedIn, { method: methodId, sourceIp, next });
  }

  /**
   * After identity opened a session (any method): the session cookie, the browser's previous
   * session revoked, and a 303 to `next`. `cookies` are set as well (the SAML state cleared, say).
   */
  async completeSignIn(request: BrowserRequest, signedIn: SignInResponse, done: { method: string; sourceIp: string; next: string; cookies?: string[] }): Promise<BrowserResult> {
    if (!(signedIn.session.expiresAt > this.now())) {
      // A cookie with Max-Age=0 would send the person round the sign-in loop without a word.
      throw new Error(`identity returned a session that has already expired (expiresAt ${signedIn.session.expiresAt}; epoch milliseconds expected)`);
    }
    const previous = request.cookies.get(SESSION_COOKIE);
    if (previous !== undefined) await this.revokeQuietly(previous, request.requestId);
    this.logger.log(`signed in ${signedIn.user.login} with ${done.method} from ${done.sourceIp} (request ${request.requestId ?? '-'})`);
    return redirectResult(303, safeNextPath(done.next), [...(done.cookies ?? []), sessionCookie(signedIn.session.token, signedIn.session.expiresAt, this.now())]);
  }

  /** The browser's address: the peer, or what a trusted proxy in front of the console says. */
  clientAddress(request: BrowserRequest): string {
    return this.settings.trustedProxies.clientAddress(request.peerAddress, request.forwardedFor);
  }

  /** `GET /`: until the web console arrives, who is signed in and a sign-out button. */
  async home(request: BrowserRequest): Promise<BrowserResult> {
    const lookup = await this.sessions.lookup(request);
    if (!lookup.signedIn) return redirectResult(303, '/login', lookup.cookies);
    return pageResult(200, 'Signed in', homePageBody(lookup.session, csrfTokenFor(lookup.sessionToken)));
  }

  /** `POST /logout`: identity revokes the session, then the browser forgets the cookie. */
  async signOut(request: BrowserRequest): Promise<BrowserResult> {
    const retry = { href: '/', text: 'Back to the console' };
    const crossSite = this.guard.crossSiteRefusal(request, 'a sign-out', retry);
    if (crossSite) return crossSite;
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken !== undefined) {
      const refusal = this.guard.csrfRefusal(request, sessionToken, 'a sign-out', retry);
      if (refusal) return refusal;
      // If identity cannot be reached this fails (503) and the cookie stays: signing out must not
      // look done while the session still works.
      await this.identity.revokeSession(sessionToken, request.requestId);
    }
    return redirectResult(303, '/login', [clearedCookie(SESSION_COOKIE)]);
  }

  private async signInPage(request: BrowserRequest, state: SignInPageState): Promise<BrowserResult> {
    const { methods } = await this.identity.signInMethods(request.requestId);
    const cookies = [...(state.cookies ?? [])];
    let csrfSecret = request.cookies.get(LOGIN_CSRF_COOKIE);
    if (csrfSecret === undefined) {
      csrfSecret = newLoginCsrfSecret();
      cookies.push(loginCsrfCookie(csrfSecret));
    }
    const cliRequest = cliLoginRequestIn(state.next);
    const body = signInPageBody({
      methods,
      next: state.next,
      csrfToken: csrfTokenFor(csrfSecret),
      ...(cliRequest ? { cliRequest } : {}),
      ...(state.failure ? { failure: state.failure } : {}),
      ...(state.username !== undefined ? { username: state.username } : {}),
    });
    // A sign-in that continues `pulumi login` ends in a redirect to the CLI's loopback listener,
    // and CSP form-action also governs where a form submission is redirected.
    return pageResult(state.status, 'Sign in', body, { cookies, formActions: cliRequest ? [CLI_CALLBACK_FORM_ACTION] : [] });
  }

  /** Signing in again replaces the browser's session; the old one should not linger at identity. */
  private async revokeQuietly(sessionToken: string, requestId?: string): Promise<void> {
    try {
      await this.identity.revokeSession(sessionToken, requestId);
    } catch (error) {
      this.logger.warn(`could not revoke the session this sign-in replaces (request ${requestId ?? '-'}): ${(error as Error).message}`);
    }
  }

  private now(): number {
    return this.settings.now?.() ?? Date.now();
  }
}
