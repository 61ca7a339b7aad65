import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, auditEventBy, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { isAccessTokenHash, isValidLogin } from '@stackyard/identity-domain';
import { MAX_RELAY_STATE_BYTES, MAX_SAML_RESPONSE_BYTES, SamlError, type SamlIdentity } from '@stackyard/identity-saml';
import type { SamlAcsRequest, SamlStartResponse, SamlTestAcsRequest, SamlTestReport, SamlTestStartResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { type ResolvedSamlProvider, SamlConfigService } from './saml-config.service';
import { samlPerson, SamlPersonError } from './saml-person';
import { sweepSamlState } from './saml-stores';
import { SessionService } from './session.service';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';
import { UserProvisioningService } from './user-provisioning.service';
import { signInAuditEvent } from './sign-in-audit';
import { assertionTestReport, emptyTestReport, failedTestReport } from './saml-test-report';

/** A base64 SAMLResponse of MAX_SAML_RESPONSE_BYTES, with room for line breaks some IdPs add. */
const MAX_SAML_RESPONSE_CHARS = Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 16 * 1024;
const MAX_REQUEST_ID_LENGTH = 256;

/** The sign-in method (and provider of users' identities and team memberships) of an organization's SAML IdP. */
export const samlProviderId = (organization: string) => `saml:${organization}`;

/**
 * SAML 2.0 Web Browser SSO for an organization: the AuthnRequest (its ID bound to the browser
 * that started it), then the response the IdP had the browser post to the console's ACS URL:
 * validated by the SAML library (signature, audience, recipient, issuer, times, replay, request
 * binding), the NameID's user provisioned with the groups' teams, a console session opened.
 * Every outcome is an audit line; the assertion itself is never logged.
 */
@Injectable()
export class SamlSignInService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly configs: SamlConfigService,
    private readonly provisioning: UserProvisioningService,
    private readonly sessions: SessionService,
    @Inject(SIGN_IN_OPTIONS) options: SignInOptions,
    private readonly audit: AuditTrail,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(organization: string, body: unknown): Promise<SamlStartResponse> {
    const relayState = parseRelayState(body);
    const { provider } = await this.configs.resolveProvider(organization);
    // Whoever starts a sign-in also clears a batch of expired state, so no timer is needed.
    await sweepSamlState(this.database);
    const { url, requestId } = await provider.authorizeUrl(relayState);
    return { redirectUrl: url, requestId, expiresAt: Date.now() + provider.requestTtlMs };
  }

  async acs(organization: string, body: unknown): Promise<SignInResponse> {
    const request = parseAcsRequest(body);
    const method = samlProviderId(organization.slice(0, 64));
    const context = { method, organization: organization.slice(0, 64), sourceIp: request.sourceIp };
    let resolved: ResolvedSamlProvider;
    try {
      resolved = await this.configs.resolveProvider(organization);
    } catch (error) {
      this.record('auth.sign-in.failed', { ...context, reason: 'not-available', detail: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    let asserted: SamlIdentity;
    try {
      asserted = await resolved.provider.validatePostResponse(request.samlResponse, { expectedRequestId: request.expectedRequestId });
    } catch (error) {
      if (!(error instanceof SamlError)) {
        this.record('auth.sign-in.failed', { ...context, reason: 'error' });
        throw error;
      }
      this.record('auth.sign-in.failed', { ...context, reason: error.kind, detail: error.message });
      throw refusal(error);
    }
    let person;
    try {
      person = samlPerson(asserted, resolved.config);
    } catch (error) {
      if (!(error instanceof SamlPersonError)) throw error;
      this.record('auth.sign-in.failed', { ...context, reason: 'unusable-identity', detail: error.message });
      throw ApiError.badRequest(`SAML sign-in refused: ${error.message}. Ask your administrator to check the identity provider's configuration.`);
    }
    const { user, created, teams } = await this.provisioning.provision({ ...person, provider: method }, resolved.organization.name, resolved.config.teamMappings, this.now());
    const response = await this.sessions.create(user, {
      provider: method,
      sourceIp: request.sourceIp,
      userAgent: request.userAgent,
      ...(asserted.sessionNotOnOrAfter ? { notAfter: asserted.sessionNotOnOrAfter.getTime() } : {}),
    });
    this.record('auth.sign-in.succeeded', { ...context, user: user.login, userCreated: created, teamsAdded: teams.added.length, teamsRemoved: teams.removed.length });
    return response;
  }

  /**
   * An organization admin's test sign-in (the configuration need not be enabled): an AuthnRequest
   * remembered as this admin's test, so only `testAcs` can consume it.
   */
  async testStart(organization: string, body: unknown): Promise<SamlTestStartResponse> {
    const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const sessionHash = raw['sessionHash'];
    if (!isAccessTokenHash(sessionHash)) throw ApiError.badRequest('sessionHash must be the lowercase hex SHA-256 of the session cookie');
    const login = await this.configs.adminOf(sessionHash, organization);
    const { provider } = await this.configs.resolveTestProvider(organization, login);
    await sweepSamlState(this.database);
    const { url, requestId } = await provider.authorizeUrl();
    return { redirectUrl: url, requestId, expiresAt: Date.now() + provider.requestTtlMs, login };
  }

  /**
   * The IdP's answer to a test: validated exactly as a sign-in's (signature, audience, recipient,
   * issuer, times, InResponseTo against the admin's test request, which is consumed, and the replay
   * cache), then reported — what the IdP asserted or why it fails — without provisioning anyone,
   * changing a team or opening a session. Always 200 with the report; 400 only for a malformed call.
   */
  async testAcs(organization: string, body: unknown): Promise<SamlTestReport> {
    const request = parseTestAcsRequest(body);
    const context = { organization: organization.slice(0, 64), sourceIp: request.sourceIp };
    let resolved: ResolvedSamlProvider;
    try {
      resolved = await this.configs.resolveTestProvider(organization, request.login);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const report = failedTestReport(emptyTestReport(organization.slice(0, 64), { groupsAttribute: '', usernameAttribute: null }, this.now()), 'not-configured', error.message);
      this.recordTest(request.login, report, context);
      return report;
    }
    const base = emptyTestReport(resolved.organization.name, resolved.config, this.now());
    let report: SamlTestReport;
    try {
      const asserted = await resolved.provider.validatePostResponse(request.samlResponse, { expectedRequestId: request.expectedRequestId });
      report = assertionTestReport(base, asserted, resolved.config);
    } catch (error) {
      if (!(error instanceof SamlError)) throw error;
      report = failedTestReport(base, error.kind, error.message);
    }
    this.recordTest(request.login, report, context);
    return report;
  }

  /** Audit event `saml_test_sign_in`, by the admin who ran the test; never the assertion itself. */
  private recordTest(login: string, report: SamlTestReport, context: { organization: string; sourceIp: string }): void {
    const outcome = report.succeeded ? 'succeeded' : 'failed';
    const description = report.succeeded
      ? `Test SAML sign-in of organization '${report.organization}' succeeded: the IdP asserted '${(report.username ?? '').slice(0, 100)}' with ${report.groups.length} groups mapping to ${report.teams.length} teams`
      : `Test SAML sign-in of organization '${report.organization}' failed (${report.failure?.kind ?? 'unknown'}): ${(report.failure?.message ?? '').slice(0, 300)}`;
    const line = { event: `sso.test.${outcome}`, ...context, actor: login, reason: report.failure?.kind, groups: report.groups.length, teams: report.teams.length };
    void this.audit.record(
      auditEventBy({ login }, { organization: report.organization, event: 'saml_test_sign_in', description, sourceIp: context.sourceIp, reqOrgAdmin: true }),
      line,
    );
  }

  /** Never awaited: a sign-in's answer does not wait for the audit log (AuditTrail never throws). */
  private record(event: string, fields: Record<string, unknown>): void {
    const line = { event, ...fields };
    void this.audit.record(signInAuditEvent(line), line);
  }
}

/**
 * What the person sees for a refused assertion. The library's messages name what was expected
 * (audience, ACS URL, issuer) and never quote the assertion, so they can be shown as they are.
 */
export function refusal(error: SamlError): ApiError {
  const message = `SAML sign-in refused: ${error.message}.`;
  switch (error.kind) {
    case 'malformed':
      return ApiError.badRequest(`${message} Start the sign-in again; if this keeps happening, ask your administrator to check the identity provider.`);
    case 'expired':
    case 'not-yet-valid':
      return ApiError.unauthorized(`${message} Start the sign-in again; if this keeps happening, the clocks of the identity provider and Stackyard may disagree.`);
    case 'replayed':
    case 'unknown-request':
      return ApiError.unauthorized(`${message} Start the sign-in again from the sign-in page.`);
    case 'idp-status':
      return ApiError.unauthorized(`${message} Your identity provider did not sign you in.`);
    case 'unsigned':
    case 'bad-signature':
    case 'wrong-audience':
    case 'wrong-recipient':
    case 'wrong-issuer':
      return ApiError.unauthorized(`${message} Ask your administrator to check the organization's SAML configuration.`);
  }
}

function parseRelayState(body: unknown): string | undefined {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const relayState = raw['relayState'];
  if (relayState === undefined) return undefined;
  if (typeof relayState !== 'string' || Buffer.byteLength(relayState, 'utf8') > MAX_RELAY_STATE_BYTES || /[\u0000-\u001f\u007f]/.test(relayState)) {
    throw ApiError.badRequest(`relayState must be at most ${MAX_RELAY_STATE_BYTES} bytes of printable text`);
  }
  return relayState;
}

function parseTestAcsRequest(body: unknown): Required<SamlTestAcsRequest> {
  const login = body && typeof body === 'object' ? (body as Record<string, unknown>)['login'] : undefined;
  if (!isValidLogin(login)) throw ApiError.badRequest('login (the admin who started the test) is required');
  return { ...parseAcsRequest(body), login };
}

function parseAcsRequest(body: unknown): Required<SamlAcsRequest> {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const samlResponse = typeof raw['samlResponse'] === 'string' ? raw['samlResponse'] : '';
  const expectedRequestId = typeof raw['expectedRequestId'] === 'string' ? raw['expectedRequestId'] : '';
  const sourceIp = typeof raw['sourceIp'] === 'string' ? raw['sourceIp'] : '';
  const userAgent = typeof raw['userAgent'] === 'string' ? raw['userAgent'] : '';
  if (!samlResponse || samlResponse.length > MAX_SAML_RESPONSE_CHARS) throw ApiError.badRequest(`samlResponse must be the base64 SAMLResponse form field (at most ${MAX_SAML_RESPONSE_CHARS} characters)`);
  // Always required: a response is accepted only by the browser that started its sign-in.
  if (!expectedRequestId || expectedRequestId.length > MAX_REQUEST_ID_LENGTH) throw ApiError.badRequest('expectedRequestId (the AuthnRequest ID this browser started) is required');
  if (!sourceIp || sourceIp.length > 64) throw ApiError.badRequest('sourceIp is required');
  return { samlResponse, expectedRequestId, sourceIp, userAgent: userAgent.slice(0, 255) };
}
