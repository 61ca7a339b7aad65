/**
 * Why an OAuth provider refused or could not complete a sign-in:
 * - `invalid-grant`: the provider did not accept the authorization code (expired, used, issued for
 *   another redirect URI or client, PKCE verifier wrong): the person should start again;
 * - `unusable-identity`: the provider answered, but not with a person Stackyard can sign in (no
 *   stable id, a blocked or inactive account, a token that authenticates no user);
 * - `unavailable`: connection, TLS, timeout or a 5xx: worth retrying later;
 * - `misconfigured`: the provider answered, but the configuration does not fit it (client id or
 *   secret refused, scopes missing, an answer of the wrong shape): an administrator has to act.
 */
export type OAuthProviderErrorKind = 'invalid-grant' | 'unusable-identity' | 'unavailable' | 'misconfigured';

/**
 * The only error the provider clients throw. `message` is meant for logs and the audit line: it
 * names the endpoint and what was wrong, never a code, token, verifier or client secret.
 */
export class OAuthProviderError extends Error {
  constructor(
    readonly kind: OAuthProviderErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthProviderError';
  }
}
