import { X509Certificate } from 'node:crypto';

/** The code hosts Stackyard can sign people in with (their self-managed editions). */
export const OAUTH_PROVIDER_KINDS = ['github-enterprise', 'gitlab', 'bitbucket-data-center'] as const;
export type OAuthProviderKind = (typeof OAUTH_PROVIDER_KINDS)[number];

/** Bitbucket Data Center's project permissions, weakest first. */
export const BITBUCKET_PROJECT_PERMISSIONS = ['PROJECT_READ', 'PROJECT_WRITE', 'PROJECT_ADMIN'] as const;
export type BitbucketProjectPermission = (typeof BITBUCKET_PROJECT_PERMISSIONS)[number];

/**
 * One OAuth 2.0 application registered at a code host (a GitHub Enterprise OAuth app, a GitLab
 * application, a Bitbucket Data Center incoming application link).
 */
export interface OAuthProviderConfig {
  kind: OAuthProviderKind;
  /**
   * Where people sign in, `https://github.example.com`, `https://gitlab.example.com` or
   * `https://bitbucket.example.com/bitbucket` (a context path is kept). Only https: the code,
   * the client secret and the tokens cross this connection.
   */
  baseUrl: string;
  /**
   * The REST API root; defaults to `<baseUrl>/api/v3` (GitHub Enterprise; `https://api.github.com`
   * for github.com), `<baseUrl>/api/v4` (GitLab), `<baseUrl>/rest/api/latest` (Bitbucket).
   */
  apiUrl?: string;
  clientId: string;
  clientSecret: string;
  /** Scopes asked for; the defaults are the least each provider needs (`DEFAULT_SCOPES`). */
  scopes?: string[];
  /**
   * PKCE (RFC 7636, S256) on the authorization code. On by default: GitLab and Bitbucket Data
   * Center support it, GitHub since July 2025 (servers that predate it ignore the parameters).
   */
  pkce?: boolean;
  /** PEM certificate(s) of the CA to trust for this provider instead of Node's bundled roots. */
  caCertificates?: string;
  /** The name the provider's certificate carries, when `baseUrl` uses another (an address). */
  tlsServerName?: string;
  /** Per request to the provider; default 10 s. */
  timeoutMs?: number;
  /** Bitbucket Data Center: the least project permission that counts as membership (default PROJECT_READ). */
  projectPermission?: BitbucketProjectPermission;
}

/**
 * The least each provider needs to name the person and their groups: GitHub `read:user` (profile)
 * and `read:org` (organization and team memberships, private ones included); GitLab `read_api`
 * (`/user` and the group list: `read_user` alone does not reach `/groups`); Bitbucket Data Center
 * `REPO_READ` (projects the user can read; `PUBLIC_REPOS` would show public ones only).
 */
export const DEFAULT_SCOPES: Record<OAuthProviderKind, string[]> = {
  'github-enterprise': ['read:user', 'read:org'],
  gitlab: ['read_api'],
  'bitbucket-data-center': ['REPO_READ'],
};

export const DEFAULT_OAUTH_TIMEOUT_MS = 10_000;

/** `baseUrl` without a trailing slash (so paths can be appended). */
export function trimmedBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The provider's REST API root (see `OAuthProviderConfig.apiUrl`). */
export function apiRootOf(config: OAuthProviderConfig): string {
  if (config.apiUrl !== undefined) return trimmedBaseUrl(config.apiUrl);
  const base = trimmedBaseUrl(config.baseUrl);
  switch (config.kind) {
    case 'github-enterprise':
      return new URL(base).hostname === 'github.com' ? 'https://api.github.com' : `${base}/api/v3`;
    case 'gitlab':
      return `${base}/api/v4`;
    case 'bitbucket-data-center':
      return `${base}/rest/api/latest`;
  }
}

function httpsUrlProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return `${name} is required`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL`;
  }
  if (url.protocol !== 'https:') return `${name} must be an https:// URL (the authorization code, the client secret and tokens cross it)`;
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return `${name} must not carry a query, fragment or credentials`;
  return undefined;
}

/** Every problem of one provider's configuration (messages never contain the client secret). */
export function oauthProviderConfigProblems(config: OAuthProviderConfig): string[] {
  const problems: string[] = [];
  if (!OAUTH_PROVIDER_KINDS.includes(config.kind)) problems.push(`kind must be one of ${OAUTH_PROVIDER_KINDS.join(', ')}`);
  const base = httpsUrlProblem('baseUrl', config.baseUrl);
  if (base) problems.push(base);
  if (config.apiUrl !== undefined) {
    const api = httpsUrlProblem('apiUrl', config.apiUrl);
    if (api) problems.push(api);
  }
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '' || config.clientId.length > 256) problems.push('clientId must be 1–256 characters');
  if (typeof config.clientSecret !== 'string' || config.clientSecret === '') problems.push('clientSecret (or clientSecretFile) is required');
  if (config.scopes !== undefined && (!Array.isArray(config.scopes) || config.scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(s)))) {
    problems.push('scopes must be a list of scope tokens (printable, no spaces)');
  }
  if (config.timeoutMs !== undefined && !(Number.isInteger(config.timeoutMs) && config.timeoutMs >= 100 && config.timeoutMs <= 120_000)) problems.push('timeoutMs must be 100–120000');
  if (config.projectPermission !== undefined) {
    if (config.kind !== 'bitbucket-data-center') problems.push('projectPermission applies to bitbucket-data-center only');
    else if (!BITBUCKET_PROJECT_PERMISSIONS.includes(config.projectPermission)) problems.push(`projectPermission must be one of ${BITBUCKET_PROJECT_PERMISSIONS.join(', ')}`);
  }
  if (config.caCertificates !== undefined) {
    const pems = config.caCertificates.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) problems.push('caCertificates (caFile) holds no PEM certificate');
    for (const pem of pems) {
      try {
        new X509Certificate(pem);
      } catch {
        problems.push('caCertificates (caFile) holds a certificate that does not parse');
        break;
      }
    }
  }
  return problems;
}
