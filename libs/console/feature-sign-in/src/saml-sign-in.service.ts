import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { UpstreamError } from '@stackyard/shared-http';
import type { BrowserRequest } from './browser-request';
import { type BrowserResult, pageResult, redirectResult } from './browser-result';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { clearedCookie, SAML_STATE_COOKIE, samlStateCookie } from './cookies';
import { IdentityGateway } from './identity.gateway';
import { DEFAULT_NEXT_PATH, loginPath, safeNextPath } from './next-path';
import { messagePageBody } from './pages';
import { decodeSamlState, encodeSamlState } from './saml-state';
import { samlTestReportPageBody, ssoSettingsPath } from './saml-test';
import { SignInService } from './sign-in.service';

/** Organization names, as identity allows them; nothing else can name a SAML sign-in. */
export const ORGANIZATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** The state cookie lives at least this long, whatever identity says (clocks differ a little). */
const MIN_STATE_SECONDS = 60;

/**
 * SAML 2.0 sign-in on the console host, relaying to identity: the start (a redirect to the
 * organization's IdP, the AuthnRequest ID kept in the browser), the Assertion Consumer Service
 * the IdP posts its response to, and the service provider's public metadata.
 */
@Injectable()
export class SamlSignInService {
  private readonly logger = new Logger('console-sign-in');

  constructor(
    private readonly identity: IdentityGateway,
    private readonly signIn: SignInService,
    @Inject(CONSOLE_SIGN_IN_SETTINGS) private readonly settings: ConsoleSignInSettings,
  ) {}

  /** `GET /login/saml/:org?next=`: off to the IdP, the request bound to this browser by a cookie. */
  async start(request: BrowserRequest, organization: string): Promise<BrowserResult> {
    const next = safeNextPath(request.query.get('next'));
    const back = { href: loginPath(next), text: 'Back to sign-in' };
    if (!ORGANIZATION_NAME.test(organization)) return failurePage(404, 'There is no such organization.', back);
    let started;
    try {
      started = await this.identity.samlStart(organization, request.requestId);
    } catch (error) {
      if (error instanceof UpstreamError) return failurePage(error.status, error.detail, back);
      throw error;
    }
    if (!/^https?:\/\//i.test(started.redirectUrl) || !URL.canParse(started.redirectUrl)) throw new Error('identity answered a SAML start without an http(s) redirect URL');
    const maxAge = Math.max(MIN_STATE_SECONDS, Math.ceil((started.expiresAt - this.now()) / 1000));
    const state = encodeSamlState({ organization, requestId: started.requestId, next });
    return redirectResult(303, started.redirectUrl, [samlStateCookie(state, maxAge)]);
  }

  /**
   * `POST /saml/:org/acs`: the IdP's page auto-submits the SAMLResponse here, from the IdP's
   * origin. This is the one console route exempt from the same-origin and CSRF-token checks, by
   * necessity — the post is cross-site by design and carries no token of ours. What protects it:
   * identity accepts only an assertion signed by the organization's IdP, for this SP and ACS,
   * answering the AuthnRequest whose ID this browser's cookie holds (so a response posted by
   * another site's page answers nobody here), unexpired, and used once.
   */
  async acs(request: BrowserRequest, organization: string): Promise<BrowserResult> {
    const state = decodeSamlState(request.cookies.get(SAML_STATE_COOKIE));
    // One attempt per started sign-in: whatever happens, the state goes.
    const cookies = request.cookies.has(SAML_STATE_COOKIE) ? [clearedCookie(SAML_STATE_COOKIE)] : [];
    const back = { href: loginPath(state?.next ?? DEFAULT_NEXT_PATH), text: 'Back to sign-in' };
    const samlResponse = request.form?.get('SAMLResponse') ?? '';
    if (samlResponse === '') return failurePage(400, 'The answer of the identity provider did not arrive (no SAMLResponse was posted). Start the sign-in again.', back, cookies);
    if (!state || state.organization !== organization) {
      this.logger.warn(`refused a SAML response for '${organization.slice(0, 64)}' without a matching sign-in started in this browser (request ${request.requestId ?? '-'})`);
      return failurePage(
        400,
        'This sign-in was not started in this browser, took longer than 15 minutes, or the browser blocked the console’s cookie. Start the sign-in again from the sign-in page.',
        back,
        cookies,
      );
    }
    const sourceIp = this.signIn.clientAddress(request);
    if (state.testLogin !== undefined) return this.testReport(request, organization, { samlResponse, requestId: state.requestId, login: state.testLogin, sourceIp }, cookies);
    let signedIn: SignInResponse;
    try {
      signedIn = await this.identity.samlAcs(
        organization,
        { samlResponse, expectedRequestId: state.requestId, sourceIp, ...(request.userAgent ? { userAgent: request.userAgent } : {}) },
        request.requestId,
      );
    } catch (error) {
      // Identity words refusals for people (expired, replayed, signature, audience, …) and audits them.
      if (error instanceof UpstreamError) return failurePage(error.status, error.detail, back, cookies);
      throw error;
    }
    return this.signIn.completeSignIn(request, signedIn, { method: `saml:${organization}`, sourceIp, next: state.next, cookies });
  }

  /**
   * An admin's test sign-in comes back: identity validates the answer in full and reports it; the
   * page shows the report. No session cookie is set or cleared: the admin stays signed in as before.
   */
  private async testReport(request: BrowserRequest, organization: string, test: { samlResponse: string; requestId: string; login: string; sourceIp: string }, cookies: string[]): Promise<BrowserResult> {
    let report;
    try {
      report = await this.identity.samlTestAcs(
        organization,
        { samlResponse: test.samlResponse, expectedRequestId: test.requestId, login: test.login, sourceIp: test.sourceIp, ...(request.userAgent ? { userAgent: request.userAgent } : {}) },
        request.requestId,
      );
    } catch (error) {
      if (error instanceof UpstreamError) return failurePage(error.status, error.detail, { href: ssoSettingsPath(organization), text: 'Back to the single sign-on settings' }, cookies);
      throw error;
    }
    return pageResult(200, report.succeeded ? 'Test sign-in succeeded' : 'Test sign-in failed', samlTestReportPageBody(report), { cookies });
  }

  /** `GET /saml/:org` and `/saml/:org/metadata`: the SP metadata the IdP administrator needs. */
  async metadata(request: BrowserRequest, organization: string): Promise<string> {
    if (!ORGANIZATION_NAME.test(organization)) throw ApiError.notFound('there is no such organization');
    return (await this.identity.samlSpMetadata(organization, request.requestId)).metadataXml;
  }

  private now(): number {
    return this.settings.now?.() ?? Date.now();
  }
}

function failurePage(status: number, message: string, back: { href: string; text: string }, cookies: string[] = []): BrowserResult {
  return pageResult(status, 'Sign-in failed', messagePageBody('Single sign-on did not work', message, back), { cookies });
}
