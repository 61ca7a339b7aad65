import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { mappedTeams } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase, type OAuthStateRefusal } from '@stackyard/identity-feature-tokens';
import { codeChallengeS256, newCodeVerifier, newOAuthState, type OAuthPerson, OAuthProviderError } from '@stackyard/identity-oauth';
import type { OAuthCallbackRequest, OAuthStartResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { DEFAULT_OAUTH_STATE_TTL_MS, type OAuthMethod, oauthCallbackUrl } from './oauth-method';
import { SessionService } from './session.service';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';
import { UserProvisioningService } from './user-provisioning.service';
import { signInAuditEvent } from './sign-in-audit';

/** Our states are 43 base64url characters; anything much longer is not one of them. */
const MAX_STATE_LENGTH = 256;
/** Authorization codes are short (GitHub 20, GitLab 64 characters); 2 KiB leaves room for any provider. */
const MAX_CODE_LENGTH = 2048;
const MAX_ERROR_DESCRIPTION = 200;
/** Expired states removed per sign-in start, so the table stays small without a timer. */
const SWEEP_BATCH = 200;

/**
 * OAuth 2.0 sign-in at a code host (GitHub Enterprise, GitLab, Bitbucket Data Center): `start`
 * records a single-use state (and PKCE verifier) and answers the provider's authorize URL; the
 * `callback` checks that the browser presenting the state is the one that started the sign-in,
 * uses the state up, redeems the code server to server, reads the person (keyed by the provider's
 * numeric id) and their groups, and provisions them like every other sign-in. Every outcome is an
 * audit line; codes, tokens and verifiers never appear in one.
 */
@Injectable()
export class OAuthSignInService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly provisioning: UserProvisioningService,
    private readonly sessions: SessionService,
    @Inject(SIGN_IN_OPTIONS) private readonly options: SignInOptions,
    private readonly audit: AuditTrail,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(methodId: string): Promise<OAuthStartResponse> {
    const method = this.method(methodId);
    const consoleUrl = this.consoleUrl();
    const now = this.now();
    // Whoever starts a sign-in also clears a batch of expired state, so no timer is needed.
    await this.database.repositories.oauthStates.deleteExpired(now, SWEEP_BATCH);
    const state = newOAuthState();
    const verifier = method.provider.pkce ? newCodeVerifier() : null;
    const expiresAt = now + (this.options.oauthStateTtlMs ?? DEFAULT_OAUTH_STATE_TTL_MS);
    await this.database.repositories.oauthStates.insert({ stateHash: hashState(state), provider: method.id, codeVerifier: verifier, createdAt: now, expiresAt, consumedAt: null });
    const redirectUrl = method.provider.authorizationUrl({ state, redirectUri: oauthCallbackUrl(consoleUrl, method.id), ...(verifier !== null ? { codeChallenge: codeChallengeS256(verifier) } : {}) });
    return { redirectUrl, state, expiresAt };
  }

  async callback(methodId: string, body: unknown): Promise<SignInResponse> {
    const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const sourceIp = typeof raw['sourceIp'] === 'string' ? raw['sourceIp'].slice(0, 64) : '';
    const context = { method: methodId.slice(0, 64), sourceIp };
    const method = this.options.oauthMethods?.find((m) => m.id === methodId);
    if (!method) {
      this.record('auth.sign-in.failed', { ...context, reason: 'unknown-method' });
      throw ApiError.notFound(`no OAuth sign-in method '${methodId.slice(0, 64)}'`);
    }
    const name = method.displayName;
    let request: ReturnType<typeof parseCallback>;
    try {
      request = parseCallback(raw);
    } catch (error) {
      this.record('auth.sign-in.failed', { ...context, reason: 'bad-request', detail: (error as Error).message });
      throw error;
    }

    // The state is bound to the browser that started the sign-in: its cookie must hold the same
    // value. Otherwise someone is completing a sign-in in another person's browser (login CSRF).
    if (request.expectedState === '' || !sameText(request.state, request.expectedState)) {
      this.record('auth.sign-in.failed', { ...context, reason: 'state-mismatch', detail: request.expectedState === '' ? 'the browser has no sign-in cookie' : "the state is not the one this browser's cookie holds" });
      throw ApiError.unauthorized('This sign-in was not started in this browser (or its sign-in cookie is gone), so it was refused. Start again from the sign-in page.');
    }
    const consumed = await this.database.repositories.oauthStates.consume(hashState(request.state), method.id, this.now());
    if (!consumed.ok) {
      this.record('auth.sign-in.failed', { ...context, reason: `state-${consumed.refusal}` });
      throw ApiError.unauthorized(stateRefusalMessage(consumed.refusal));
    }

    if (request.error !== undefined) {
      const denied = request.error === 'access_denied';
      const description = (request.errorDescription ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_ERROR_DESCRIPTION);
      this.record('auth.sign-in.failed', { ...context, reason: denied ? 'access-denied' : 'provider-error', detail: description ? `${request.error}: ${description}` : request.error });
      if (denied) throw ApiError.forbidden(`You did not allow Stackyard to use your ${name} account, so you are not signed in. Start again from the sign-in page if that was a mistake.`);
      throw ApiError.unauthorized(`${name} did not sign you in (${request.error}). Start again from the sign-in page; if this keeps happening, ask your administrator.`);
    }
    if (request.code === undefined) {
      this.record('auth.sign-in.failed', { ...context, reason: 'bad-request', detail: 'the callback carries neither code nor error' });
      throw ApiError.badRequest(`${name} sent the browser back without a sign-in code. Start again from the sign-in page.`);
    }

    let person: OAuthPerson;
    let phase = 'code-exchange-failed';
    try {
      const accessToken = await method.provider.exchangeCode({
        code: request.code,
        redirectUri: oauthCallbackUrl(this.consoleUrl(), method.id),
        ...(consumed.state.codeVerifier !== null ? { codeVerifier: consumed.state.codeVerifier } : {}),
      });
      phase = 'user-lookup-failed';
      person = await method.provider.person(accessToken);
    } catch (error) {
      if (!(error instanceof OAuthProviderError)) {
        this.record('auth.sign-in.failed', { ...context, reason: 'error' });
        throw error;
      }
      this.record('auth.sign-in.failed', { ...context, reason: phase, kind: error.kind, detail: error.message });
      throw providerRefusal(error, name);
    }

    const personContext = { ...context, username: person.username, subject: person.subject };
    if (method.allowedGroups.length > 0 && mappedTeams(person.groups, method.allowedGroups.map((group) => ({ group, team: group }))).length === 0) {
      this.record('auth.sign-in.failed', { ...personContext, reason: 'not-in-allowed-group' });
      throw ApiError.forbidden(`Your ${name} account is not in a group allowed to sign in to Stackyard. Ask your administrator for access.`);
    }
    const { user, created, teams } = await this.provisioning.provision({ ...person, provider: method.id }, method.organization, method.teamMappings, this.now());
    const response = await this.sessions.create(user, { provider: method.id, sourceIp: request.sourceIp, userAgent: request.userAgent });
    this.record('auth.sign-in.succeeded', { ...personContext, user: user.login, userCreated: created, teamsAdded: teams.added.length, teamsRemoved: teams.removed.length });
    return response;
  }

  private method(methodId: string): OAuthMethod {
    const method = this.options.oauthMethods?.find((m) => m.id === methodId);
    if (!method) throw ApiError.notFound(`no OAuth sign-in method '${methodId.slice(0, 64)}'`);
    return method;
  }

  private consoleUrl(): string {
    // The app refuses to start with OAuth methods and no console URL; this is belt and braces.
    if (this.options.consoleUrl === undefined) throw ApiError.unavailable('OAuth sign-in needs the console URL (STACKYARD_CONSOLE_URL) for its callback');
    return this.options.consoleUrl;
  }

  /** Never awaited: a sign-in's answer does not wait for the audit log (AuditTrail never throws). */
  private record(event: string, fields: Record<string, unknown>): void {
    const line = { event, ...fields };
    void this.audit.record(signInAuditEvent(line), line);
  }
}

/** Stored and looked up by SHA-256: the state is a bearer secret for the few minutes it lives. */
function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

function stateRefusalMessage(refusal: OAuthStateRefusal): string {
  switch (refusal) {
    case 'replayed':
      return 'This sign-in link has already been used. Start again from the sign-in page.';
    case 'expired':
      return 'This sign-in took too long and has expired. Start again from the sign-in page.';
    case 'unknown':
      return 'This sign-in is not known here (or was meant for another sign-in method). Start again from the sign-in page.';
  }
}

/** What the person sees when the provider could not complete the sign-in; the detail is in the audit line. */
export function providerRefusal(error: OAuthProviderError, name: string): ApiError {
  switch (error.kind) {
    case 'invalid-grant':
      return ApiError.unauthorized(`${name} did not accept this sign-in (its code expired or was already used). Start again from the sign-in page.`);
    case 'unusable-identity':
      return ApiError.forbidden(`Your ${name} account cannot be used to sign in to Stackyard (it may be blocked or not a personal account). Ask your administrator.`);
    case 'unavailable':
      return ApiError.unavailable(`${name} cannot be reached right now; try again later`);
    case 'misconfigured':
      return ApiError.unavailable(`${name} sign-in is misconfigured; an administrator must check it (see the identity service log)`);
  }
}

function parseCallback(raw: Record<string, unknown>): Required<Pick<OAuthCallbackRequest, 'state' | 'expectedState' | 'sourceIp' | 'userAgent'>> & Pick<OAuthCallbackRequest, 'code' | 'error' | 'errorDescription'> {
  const string = (name: string) => (typeof raw[name] === 'string' ? raw[name] : undefined);
  const state = string('state') ?? '';
  const expectedState = string('expectedState') ?? '';
  const code = string('code');
  const error = string('error');
  const sourceIp = string('sourceIp') ?? '';
  if (state === '' || state.length > MAX_STATE_LENGTH) throw ApiError.badRequest('The sign-in callback has no valid state parameter. Start again from the sign-in page.');
  if (expectedState.length > MAX_STATE_LENGTH) throw ApiError.badRequest('expectedState is too long');
  if (code !== undefined && (code === '' || code.length > MAX_CODE_LENGTH || /[\u0000-\u001f\u007f]/.test(code))) throw ApiError.badRequest('The sign-in callback carries a malformed code. Start again from the sign-in page.');
  // Error codes are ASCII tokens (RFC 6749 §4.1.2.1); anything else is not worth echoing.
  if (error !== undefined && !/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error)) throw ApiError.badRequest('The sign-in callback carries a malformed error. Start again from the sign-in page.');
  if (code !== undefined && error !== undefined) throw ApiError.badRequest('The sign-in callback carries both a code and an error. Start again from the sign-in page.');
  if (!sourceIp || sourceIp.length > 64) throw ApiError.badRequest('sourceIp is required');
  const errorDescription = string('errorDescription');
  return {
    state,
    expectedState,
    sourceIp,
    userAgent: (string('userAgent') ?? '').slice(0, 255),
    ...(code !== undefined ? { code } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(errorDescription !== undefined ? { errorDescription: errorDescription.slice(0, 1024) } : {}),
  };
}
