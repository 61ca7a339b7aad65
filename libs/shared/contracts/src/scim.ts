/**
 * SCIM 2.0 provisioning (RFC 7643/7644) of an organization that signs in with SAML. Identity owns
 * users and teams, so it answers SCIM; the api serves Pulumi's public path `/scim/v2/{org}/…` and
 * relays each request over mutual TLS, sending the SHA-256 of the bearer token, never the token.
 * SCIM tokens are their own kind (table `scim_tokens`): the api never resolves one as an access
 * token, and an access token is never a SCIM token.
 */

/** `POST /internal/v1/scim/{org}/requests` (the api peer only): one SCIM request, relayed. */
export interface ScimRelayRequest {
  /** Lowercase hex SHA-256 of the `Authorization: Bearer` token; null when there was none or it was malformed. */
  tokenHash: string | null;
  method: string;
  /** The path after `/scim/v2/{org}`, e.g. `/Users/2819c223…`; '' for the base itself. */
  path: string;
  /** The query parameters (the first value of each name). */
  query: Record<string, string>;
  /** The body as the client sent it (UTF-8); absent when there was none. */
  body?: string;
  /** The public base of this organization's SCIM service, e.g. `https://api.example.com/scim/v2/acme`: resource locations are built on it. */
  baseUrl: string;
  /** The client's address as the api saw it, for the audit log. */
  sourceIp: string;
}

/** Always answered with 200 at the transport level: `status` and `body` are what the SCIM client gets. */
export interface ScimRelayResponse {
  status: number;
  /** A SCIM resource, ListResponse or Error; absent for 204. */
  body?: unknown;
  /** The `Location` header of a 201. */
  location?: string;
}
export const identityScimRelayPath = (org: string) => `/internal/v1/scim/${encodeURIComponent(org)}/requests`;

/**
 * `POST /internal/v1/orgs/{org}/scim/token` (the api peer only, after it checked that the caller
 * is an admin of the organization): a new SCIM token for the organization, replacing (revoking)
 * the previous one. The value appears in this answer only; identity keeps its SHA-256.
 * `GET` answers the token's status, `DELETE` revokes it (SCIM requests then fail with 401).
 */
export interface CreateScimTokenRequest {
  /** Who asked (a login), for the audit log. */
  actor: string;
}
export interface CreateScimTokenResponse {
  organization: string;
  id: string;
  token: string;
  createdAt: number;
}
export interface ScimTokenStatusResponse {
  organization: string;
  /** Whether SAML sign-in is enabled for the organization: SCIM works only then. */
  samlEnabled: boolean;
  token: null | { id: string; createdAt: number; createdBy: string; lastUsedAt: number | null };
}
export const identityScimTokenPath = (org: string) => `/internal/v1/orgs/${encodeURIComponent(org)}/scim/token`;

/** The public REST route an organization admin uses (an access token): POST rotates, GET tells, DELETE revokes. */
export const apiScimTokenPath = (org: string) => `/api/orgs/${encodeURIComponent(org)}/scim/token`;
/** `POST /api/orgs/{org}/scim/token` answers the token and where SCIM lives. */
export interface ApiCreateScimTokenResponse extends CreateScimTokenResponse {
  /** `https://<api host>/scim/v2/<org>`: the tenant URL identity providers are given. */
  scimBaseUrl: string;
}
