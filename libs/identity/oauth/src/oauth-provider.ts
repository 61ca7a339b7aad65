import type { ExternalIdentity } from '@stackyard/identity-domain';
import { apiRootOf, DEFAULT_OAUTH_TIMEOUT_MS, DEFAULT_SCOPES, type OAuthProviderConfig, type OAuthProviderKind, trimmedBaseUrl } from './oauth-provider-config';
import { OAuthProviderError } from './oauth-provider.error';
import { parseJson, ProviderHttp, type ProviderResponse } from './provider-http';

/** The person behind an access token, as the sign-in flow provisions them. */
export type OAuthPerson = Omit<ExternalIdentity, 'provider'>;

export interface AuthorizationRequest {
  state: string;
  /** The console's callback URL for this method (must be registered at the provider). */
  redirectUri: string;
  /** S256 challenge of the verifier kept for the token exchange; absent when PKCE is off. */
  codeChallenge?: string;
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  codeVerifier?: string;
}

/** One configured code host: where to send the browser, how to redeem the code, who came back. */
export interface OAuthProvider {
  readonly kind: OAuthProviderKind;
  readonly pkce: boolean;
  authorizationUrl(request: AuthorizationRequest): string;
  /** The access token for an authorization code; never logged, never stored. */
  exchangeCode(exchange: CodeExchange): Promise<string>;
  /** The person and their groups (names as team mappings write them) behind an access token. */
  person(accessToken: string): Promise<OAuthPerson>;
}

/** Most pages of groups read for one person: 10 × 100 memberships is far beyond a real account. */
export const MAX_PAGES = 10;
export const PAGE_SIZE = 100;

/**
 * What the three providers share: the authorize URL (RFC 6749 §4.1.1, plus PKCE) and the code
 * exchange with the client secret in the form body (`client_secret_post`), whose errors RFC 6749
 * §5.2 defines — GitHub answers them with status 200, GitLab and Bitbucket with 400/401.
 */
export abstract class OAuthProviderBase implements OAuthProvider {
  readonly pkce: boolean;
  protected readonly base: string;
  protected readonly api: string;
  protected readonly http: ProviderHttp;
  protected readonly scopes: string[];

  protected constructor(
    readonly kind: OAuthProviderKind,
    protected readonly config: OAuthProviderConfig,
    private readonly paths: { authorize: string; token: string },
  ) {
    this.pkce = config.pkce ?? true;
    this.base = trimmedBaseUrl(config.baseUrl);
    this.api = apiRootOf(config);
    this.scopes = config.scopes ?? DEFAULT_SCOPES[kind];
    this.http = new ProviderHttp({
      allowedOrigins: [this.base, this.api],
      ...(config.caCertificates !== undefined ? { caCertificates: config.caCertificates } : {}),
      ...(config.tlsServerName !== undefined ? { tlsServerName: config.tlsServerName } : {}),
      timeoutMs: config.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS,
    });
  }

  authorizationUrl(request: AuthorizationRequest): string {
    const query = new URLSearchParams({ client_id: this.config.clientId, redirect_uri: request.redirectUri, response_type: 'code', scope: this.scopes.join(' '), state: request.state });
    if (this.pkce) {
      if (request.codeChallenge === undefined) throw new Error('PKCE is on but no code challenge was given');
      query.set('code_challenge', request.codeChallenge);
      query.set('code_challenge_method', 'S256');
    }
    return `${this.base}${this.paths.authorize}?${query.toString()}`;
  }

  async exchangeCode(exchange: CodeExchange): Promise<string> {
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: exchange.code,
      redirect_uri: exchange.redirectUri,
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
    };
    if (this.pkce) {
      if (exchange.codeVerifier === undefined) throw new Error('PKCE is on but no code verifier was given');
      form['code_verifier'] = exchange.codeVerifier;
    }
    const request = { method: 'POST' as const, url: `${this.base}${this.paths.token}`, form, what: 'token exchange' };
    const response = await this.http.send(request);
    if (response.status >= 500 || response.status === 429) throw new OAuthProviderError('unavailable', `token exchange: ${new URL(request.url).host} answered ${response.status}`);
    const body = parseJson(request, response);
    const fields = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (typeof fields['error'] === 'string') throw tokenError(fields['error'], response);
    const token = fields['access_token'];
    if (response.status !== 200 || typeof token !== 'string' || token === '') {
      throw new OAuthProviderError('misconfigured', `token exchange: answered ${response.status} without an access_token`);
    }
    const tokenType = fields['token_type'];
    if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
      throw new OAuthProviderError('misconfigured', `token exchange: token_type '${shown(tokenType)}' is not bearer`);
    }
    return token;
  }

  abstract person(accessToken: string): Promise<OAuthPerson>;

  /** Authorization for REST calls with the person's token. */
  protected bearer(accessToken: string): Record<string, string> {
    return { authorization: `Bearer ${accessToken}` };
  }
}

/**
 * RFC 6749 §5.2 error codes (and GitHub's own) → why the sign-in failed. The code itself is a
 * registered token, safe to log; descriptions are provider prose and stay out.
 */
function tokenError(code: string, response: ProviderResponse): OAuthProviderError {
  const shown = /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'unrecognised error';
  switch (code) {
    case 'invalid_grant':
    case 'bad_verification_code':
      return new OAuthProviderError('invalid-grant', `token exchange: the provider refused the authorization code (${shown})`);
    case 'invalid_client':
    case 'incorrect_client_credentials':
    case 'unauthorized_client':
    case 'redirect_uri_mismatch':
    case 'invalid_scope':
      return new OAuthProviderError('misconfigured', `token exchange: the provider refused the client (${shown}); check clientId, clientSecret and the registered callback URL`);
    case 'temporarily_unavailable':
      return new OAuthProviderError('unavailable', `token exchange: the provider is temporarily unavailable (${shown})`);
    default:
      return new OAuthProviderError(response.status >= 400 && response.status < 500 ? 'invalid-grant' : 'misconfigured', `token exchange: the provider answered ${response.status} ${shown}`);
  }
}

/** A JSON object, or a `misconfigured` error saying what `what` answered instead. */
export function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new OAuthProviderError('misconfigured', `${what}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** A JSON array, or a `misconfigured` error. */
export function arrayOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new OAuthProviderError('misconfigured', `${what}: expected a JSON array`);
  return value;
}

/** A provider's numeric user id as a subject: a positive safe integer, or the person is unusable. */
export function numericSubject(value: unknown, what: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  throw new OAuthProviderError('unusable-identity', `${what}: the user has no numeric id`);
}

/** A provider value for a log line: a string (cut short), or its JSON type. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 32) : typeof value;
}

/** A non-empty string field (trimmed, at most `max` characters), or undefined. */
export function text(value: unknown, max = 255): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, max);
}
