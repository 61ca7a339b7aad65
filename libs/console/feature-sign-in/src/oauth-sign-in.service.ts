import { Inject, Injectable } from '@nestjs/common';
import { identityOAuthCallbackPath, identityOAuthStartPath, type OAuthCallbackRequest, type OAuthStartResponse, type SignInResponse } from '@stackyard/shared-contracts';
import { UpstreamError } from '@stackyard/shared-http';
import type { BrowserRequest } from './browser-request';
import { type BrowserResult, pageResult, redirectResult } from './browser-result';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { clearedCookie } from './cookies';
import { IDENTITY_CLIENT, type IdentityCaller } from './identity.gateway';
import { DEFAULT_NEXT_PATH, loginPath, safeNextPath } from './next-path';
import { decodeOAuthState, encodeOAuthState, OAUTH_METHOD_ID, OAUTH_STATE_COOKIE, oauthStateCookie } from './oauth-state';
import { messagePageBody } from './pages';
import { SignInService } from './sign-in.service';

/** The state cookie lives at least this long, whatever identity says (clocks differ a little). */
const MIN_STATE_SECONDS = 60;
/** Longest query value relayed to identity; identity applies the exact limits. */
const MAX_PARAMETER_LENGTH = 4096;

/**
 * OAuth sign-in (GitHub Enterprise, GitLab, Bitbucket Data Center) on the console host, relaying
 * to identity: the start (a redirect to the provider's authorize page, the state kept in this
 * browser's cookie) and the callback the provider sends the browser back to. Identity checks
 * everything, audits every outcome and words refusals for people; the console shows them.
 */
@Injectable()
export class OAuthSignInService {
  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: IdentityCaller,
    private readonly signIn: SignInService,
    @Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings,
  ) {}

  /** `GET /login/oauth/:id?next=`: off to the provider, the sign-in bound to this browser by a cookie. */
  async start(request: BrowserRequest, methodId: string): Promise<BrowserResult> {
    const next = safeNextPath(request.query.get('next'));
    const back = { href: loginPath(next), text: 'Back to sign-in' };
    if (!OAUTH_METHOD_ID.test(methodId)) return failurePage(404, 'There is no such sign-in method.', back);
    let started: OAuthStartResponse;
    try {
      started = await this.identity.post<OAuthStartResponse>(identityOAuthStartPath(methodId), {}, request.requestId);
    } catch (error) {
      if (error instanceof UpstreamError) return failurePage(error.status, error.detail, back);
      throw error;
    }
    if (!/^https:\/\//i.test(started.redirectUrl) || !URL.canParse(started.redirectUrl)) throw new Error('identity answered an OAuth start without an https redirect URL');
    const maxAge = Math.max(MIN_STATE_SECONDS, Math.ceil((started.expiresAt - this.now()) / 1000));
    return redirectResult(303, started.redirectUrl, [oauthStateCookie(encodeOAuthState({ methodId, state: started.state, next }), maxAge)]);
  }

  /**
   * `GET /login/oauth/:id/callback?code&state` (or `?error&state`): the provider's answer. One
   * attempt per started sign-in: whatever happens, the state cookie goes. Everything is relayed to
   * identity — a missing or foreign cookie too — so every refusal is audited there.
   */
  async callback(request: BrowserRequest, methodId: string): Promise<BrowserResult> {
    const saved = decodeOAuthState(request.cookies.get(OAUTH_STATE_COOKIE));
    const cookies = request.cookies.has(OAUTH_STATE_COOKIE) ? [clearedCookie(OAUTH_STATE_COOKIE)] : [];
    const next = saved?.next ?? DEFAULT_NEXT_PATH;
    const back = { href: loginPath(next), text: 'Back to sign-in' };
    if (!OAUTH_METHOD_ID.test(methodId)) return failurePage(404, 'There is no such sign-in method.', back, cookies);
    const parameters: Record<string, string> = {};
    for (const name of ['state', 'code', 'error', 'error_description']) {
      const values = request.query.getAll(name);
      // Two values of one parameter are never a provider's redirect; which one to believe is not a question to answer.
      if (values.length > 1) return failurePage(400, `The sign-in answer carries ${name} more than once. Start again from the sign-in page.`, back, cookies);
      if (values.length === 1) parameters[name] = values[0].slice(0, MAX_PARAMETER_LENGTH);
    }
    const sourceIp = this.signIn.clientAddress(request);
    const body: OAuthCallbackRequest = {
      state: parameters['state'] ?? '',
      // A cookie of another method's sign-in binds nothing here.
      expectedState: saved?.methodId === methodId ? saved.state : '',
      sourceIp,
      ...(parameters['code'] !== undefined ? { code: parameters['code'] } : {}),
      ...(parameters['error'] !== undefined ? { error: parameters['error'] } : {}),
      ...(parameters['error_description'] !== undefined ? { errorDescription: parameters['error_description'] } : {}),
      ...(request.userAgent ? { userAgent: request.userAgent } : {}),
    };
    let signedIn: SignInResponse;
    try {
      signedIn = await this.identity.post<SignInResponse>(identityOAuthCallbackPath(methodId), body, request.requestId);
    } catch (error) {
      if (error instanceof UpstreamError) return failurePage(error.status, error.detail, back, cookies);
      throw error;
    }
    return this.signIn.completeSignIn(request, signedIn, { method: methodId, sourceIp, next, cookies });
  }

  private now(): number {
    return this.settings.now?.() ?? Date.now();
  }
}

function failurePage(status: number, message: string, back: { href: string; text: string }, cookies: string[] = []): BrowserResult {
  return pageResult(status, 'Sign-in failed', messagePageBody('Sign-in did not work', message, back), { cookies });
}
