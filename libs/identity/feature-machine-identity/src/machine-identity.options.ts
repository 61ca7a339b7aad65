/** Settings the identity app hands to machine identity (from its validated config). */
export interface MachineIdentityOptions {
  /** Longest lifetime of a token issued by the OIDC token exchange (STACKYARD_OIDC_MAX_TOKEN_LIFETIME_SECONDS). */
  maxIssuedTokenLifetimeSeconds: number;
  /** Clock difference tolerated on a JWT's exp, nbf and iat (STACKYARD_OIDC_CLOCK_SKEW_SECONDS). */
  clockSkewSeconds: number;
  /** A JWT issued longer ago than this is refused (STACKYARD_OIDC_MAX_SUBJECT_TOKEN_AGE_SECONDS). */
  maxSubjectTokenAgeSeconds: number;
  /** How long fetched issuer keys are used before fetching them again (STACKYARD_OIDC_JWKS_CACHE_SECONDS). */
  jwksCacheSeconds: number;
  /** PEM certificates trusted for fetching discovery documents and JWKS; unset: Node's built-in roots (STACKYARD_OIDC_CA). */
  discoveryCaPem?: string;
  /** Hosts (`example.com`, `*.example.com`) identity may fetch issuer keys from; empty: any (STACKYARD_OIDC_DISCOVERY_HOSTS). */
  discoveryAllowedHosts: string[];
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const MACHINE_IDENTITY_OPTIONS = Symbol('MACHINE_IDENTITY_OPTIONS');
