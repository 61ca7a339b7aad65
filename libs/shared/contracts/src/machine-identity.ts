/**
 * Machine identity: access tokens (personal, organization, team), trusted OIDC issuers with their
 * authorization policies, and the OAuth 2.0 token exchange (RFC 8693) that turns an issuer's JWT
 * (a Kubernetes service-account token, a CI job's id_token) into a short-lived access token.
 *
 * The first part is Pulumi Cloud's public REST shapes (pulumi-cloud-selfhosted.md §3.2, §3.5; the
 * pulumi-cloud-sdk `apitype` package); the second, the internal calls the api makes to identity.
 */
import type { TokenKind } from './internal';

// ---- Pulumi REST: access tokens ---------------------------------------------------------------

/** One entry of `GET /api/user/tokens`, `/api/orgs/{org}/tokens`, `/api/orgs/{org}/teams/{team}/tokens`. */
export interface AccessTokenListItem {
  id: string;
  name: string;
  description: string;
  /** ISO 8601. */
  created: string;
  /** Unix seconds; 0 when never used. */
  lastUsed: number;
  /** Unix seconds; 0 when the token does not expire. */
  expires: number;
  /** Organization tokens only: the token acts as an organization admin. */
  admin: boolean;
  /** Login of the person who created it; null for tokens issued by the OIDC token exchange. */
  createdBy: string | null;
  type: TokenKind;
}

export interface ListAccessTokensResponse {
  tokens: AccessTokenListItem[];
}

/**
 * `POST /api/user/tokens` (`description`, `expires`), `/api/orgs/{org}/tokens` (+ `name`,
 * `admin`), `/api/orgs/{org}/teams/{team}/tokens` (+ `name`). `expires` is unix seconds, 0 = never.
 */
export interface CreateAccessTokenRequest {
  name?: string;
  description?: string;
  expires?: number;
  admin?: boolean;
  /** Custom roles are not supported yet: a non-empty value is refused (COMPATIBILITY.md). */
  roleID?: string;
}

/** The token value appears in this response only. */
export interface CreateAccessTokenResponse {
  id: string;
  tokenValue: string;
}

// ---- Pulumi REST: OIDC issuers and their authorization policies ------------------------------

/** A JSON Web Key Set (RFC 7517 §5): public keys only. */
export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}

/** `POST /api/orgs/{org}/oidc/issuers`. */
export interface OidcIssuerRegistrationRequest {
  name: string;
  /** The issuer identifier, compared exactly with the `iss` claim; also the discovery base URL. */
  url: string;
  /** TLS certificate pinning is not supported: a non-empty list is refused (use STACKYARD_OIDC_CA). */
  thumbprints?: string[];
  /** Longest lifetime, in seconds, of a token issued for this issuer's JWTs. */
  maxExpiration?: number;
  /** The issuer's keys, inline; without them identity fetches `<url>/.well-known/openid-configuration` → `jwks_uri`. */
  jwks?: JsonWebKeySet;
}

/** `PATCH /api/orgs/{org}/oidc/issuers/{issuerId}`: fields left out keep their value; `null` clears. */
export interface OidcIssuerUpdateRequest {
  name?: string;
  thumbprints?: string[];
  maxExpiration?: number | null;
  jwks?: JsonWebKeySet | null;
}

export interface OidcIssuerResponse {
  id: string;
  name: string;
  url: string;
  issuer: string;
  jwks?: JsonWebKeySet;
  maxExpiration?: number;
  /** ISO 8601. */
  created: string;
  modified: string;
  lastUsed?: string;
}

export interface ListOidcIssuersResponse {
  oidcIssuers: OidcIssuerResponse[];
}

export type AuthPolicyDecision = 'allow' | 'deny';

/**
 * One rule of an issuer's authorization policy: which token a JWT whose claims match `rules` may
 * be exchanged for. `rules` maps a claim (nested claims by dotted path, e.g.
 * `kubernetes.io.namespace`) to a value that must match exactly, where `*` matches any run of
 * characters; a list claim matches when one element does.
 */
export interface AuthPolicyDefinition {
  decision: AuthPolicyDecision;
  tokenType: TokenKind;
  /** The team a `team` token is issued for. */
  teamName?: string;
  /** The user a `personal` token is issued for. */
  userLogin?: string;
  /** `["admin"]` lets an `organization` token act as an organization admin (when it asks, with scope `admin`). */
  authorizedPermissions: string[];
  rules: Record<string, string>;
}

/** `GET /api/orgs/{org}/auth/policies/oidcissuers/{issuerId}`; `PATCH /api/orgs/{org}/auth/policies/{policyId}`. */
export interface AuthPolicyResponse {
  id: string;
  version: number;
  created: string;
  modified: string;
  policies: AuthPolicyDefinition[];
}

export interface AuthPolicyUpdateRequest {
  policies: AuthPolicyDefinition[];
}

// ---- OAuth 2.0 token exchange (`POST /api/oauth/token`, RFC 8693) ------------------------------

export const OAUTH_GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const OAUTH_TOKEN_TYPE_ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
export const OAUTH_TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** `audience` names the organization: `urn:pulumi:org:<organization>`. */
export const PULUMI_ORG_AUDIENCE_PREFIX = 'urn:pulumi:org:';
/** `requested_token_type` and `issued_token_type`, per kind of access token. */
export const PULUMI_ACCESS_TOKEN_TYPES: Record<TokenKind, string> = {
  personal: 'urn:pulumi:token-type:access_token:personal',
  organization: 'urn:pulumi:token-type:access_token:organization',
  team: 'urn:pulumi:token-type:access_token:team',
};

/** The successful answer (`apitype.TokenExchangeGrantResponse`). */
export interface TokenExchangeGrantResponse {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** RFC 6749 §5.2 error codes this server answers with (plus RFC 8693's `invalid_target`). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_scope' | 'invalid_target' | 'unsupported_grant_type' | 'temporarily_unavailable';

/** RFC 6749 §5.2 error body; the CLI prints it as it is. */
export interface OAuthErrorResponse {
  error: OAuthErrorCode;
  error_description: string;
}

// ---- internal: api → identity (the api peer only) ---------------------------------------------

/**
 * `POST /internal/v1/oauth/token-exchange`: the form parameters of `POST /api/oauth/token` as the
 * api received them (each at most once); identity checks everything else. Always answered with
 * 200 and an outcome, so the api can relay OAuth's own error shape.
 */
export interface TokenExchangeInternalRequest {
  parameters: Record<string, string>;
  /** The caller's address, for the audit log. */
  sourceIp?: string;
}
export type TokenExchangeInternalResponse =
  | { outcome: 'granted'; grant: TokenExchangeGrantResponse }
  | { outcome: 'refused'; status: 400 | 503; error: OAuthErrorCode; description: string };
export const IDENTITY_TOKEN_EXCHANGE_PATH = '/internal/v1/oauth/token-exchange';

/**
 * Management calls carry the SHA-256 of the caller's own access token (as principal resolution
 * does), and identity decides who the caller is and what they may do: the api vouches for nothing.
 */
export interface ActorRequest {
  actorTokenHash: string;
  /** The caller's address as the api saw it, for the audit log. */
  sourceIp?: string;
}

/** Whose tokens: the caller's personal ones, an organization's, or a team's. */
export type AccessTokenOwner = { kind: 'personal' } | { kind: 'organization'; organization: string } | { kind: 'team'; organization: string; team: string };

export interface ListAccessTokensInternalRequest extends ActorRequest {
  owner: AccessTokenOwner;
  /** Also list tokens that have expired (revoked ones are never listed). */
  includeExpired?: boolean;
}
export interface CreateAccessTokenInternalRequest extends ActorRequest {
  owner: AccessTokenOwner;
  request: unknown;
}
export interface RevokeAccessTokenInternalRequest extends ActorRequest {
  owner: AccessTokenOwner;
  tokenId: string;
}
export const IDENTITY_ACCESS_TOKENS_LIST_PATH = '/internal/v1/access-tokens/list';
export const IDENTITY_ACCESS_TOKENS_CREATE_PATH = '/internal/v1/access-tokens/create';
export const IDENTITY_ACCESS_TOKENS_REVOKE_PATH = '/internal/v1/access-tokens/revoke';

/** Every OIDC management call names the organization; the others add what they act on. */
export interface OidcAdminInternalRequest extends ActorRequest {
  organization: string;
  issuerId?: string;
  policyId?: string;
  /** The REST body, validated by identity. */
  request?: unknown;
}
export const IDENTITY_OIDC_ISSUERS_LIST_PATH = '/internal/v1/oidc/issuers/list';
export const IDENTITY_OIDC_ISSUERS_REGISTER_PATH = '/internal/v1/oidc/issuers/register';
export const IDENTITY_OIDC_ISSUERS_GET_PATH = '/internal/v1/oidc/issuers/get';
export const IDENTITY_OIDC_ISSUERS_UPDATE_PATH = '/internal/v1/oidc/issuers/update';
export const IDENTITY_OIDC_ISSUERS_DELETE_PATH = '/internal/v1/oidc/issuers/delete';
export const IDENTITY_OIDC_POLICY_GET_PATH = '/internal/v1/oidc/policies/get';
export const IDENTITY_OIDC_POLICY_UPDATE_PATH = '/internal/v1/oidc/policies/update';
