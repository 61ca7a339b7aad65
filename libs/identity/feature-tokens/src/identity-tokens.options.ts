/** Settings the identity app hands to this feature (read from its validated config). */
export interface IdentityTokensOptions {
  /** The organization new users join (the one the bootstrap creates). */
  defaultOrganization: string;
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const IDENTITY_TOKENS_OPTIONS = Symbol('IDENTITY_TOKENS_OPTIONS');
