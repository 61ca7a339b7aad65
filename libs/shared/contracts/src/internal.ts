/**
 * Contracts between Stackyard services (mutual TLS, never public). Each service owns its data; the
 * others ask it through these calls (docs/architecture.md).
 */

// ---- identity -------------------------------------------------------------------------------

export type OrgRole = 'admin' | 'member';
export type TokenKind = 'personal' | 'organization' | 'team';

export interface PrincipalOrganization {
  name: string;
  role: OrgRole;
}

/** Who a CLI or REST request acts as, resolved from an access token. */
export interface Principal {
  userId: string;
  login: string;
  name: string;
  email: string;
  avatarUrl: string;
  siteAdmin: boolean;
  organizations: PrincipalOrganization[];
  token: { id: string; name: string; kind: TokenKind; organization?: string; team?: string };
}

/** `POST /internal/v1/principals/resolve` — the api sends the SHA-256 of the token, never the token. */
export interface ResolvePrincipalRequest {
  tokenHash: string;
}
export const IDENTITY_RESOLVE_PATH = '/internal/v1/principals/resolve';

// ---- secrets --------------------------------------------------------------------------------

/**
 * `POST /internal/v1/stacks/{stackId}/encrypt` and `/decrypt`. `stackId` is the stack's immutable
 * internal id (not its name), so ciphertexts survive a rename and do not decrypt on another stack.
 * Values are standard base64, in request order.
 */
export interface EncryptValuesRequest {
  plaintexts: string[];
}
export interface EncryptValuesResponse {
  ciphertexts: string[];
}
export interface DecryptValuesRequest {
  ciphertexts: string[];
}
export interface DecryptValuesResponse {
  plaintexts: string[];
}
export const secretsEncryptPath = (stackId: string) => `/internal/v1/stacks/${encodeURIComponent(stackId)}/encrypt`;
export const secretsDecryptPath = (stackId: string) => `/internal/v1/stacks/${encodeURIComponent(stackId)}/decrypt`;

/**
 * `POST /internal/v1/stacks/{stackId}/object-key` (the api only): the key the api seals the stack's
 * objects in the object store with, derived by HKDF-SHA256 from the stack's data key of
 * `keyVersion` (the newest when absent; created on first use), so the data key itself never leaves
 * the secrets service. `key` is standard base64 of 32 bytes; the answer names its version.
 */
export interface ObjectKeyRequest {
  keyVersion?: number;
}
export interface ObjectKeyResponse {
  keyVersion: number;
  key: string;
}
export const secretsObjectKeyPath = (stackId: string) => `/internal/v1/stacks/${encodeURIComponent(stackId)}/object-key`;
