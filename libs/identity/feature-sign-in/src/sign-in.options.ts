import type { ExternalIdentity, TeamMapping, ThrottlePolicy } from '@stackyard/identity-domain';
import type { OAuthMethod } from './oauth-method';

/** Why a directory refused a sign-in, as the sign-in flow needs to tell them apart. */
export type DirectoryRefusal = 'invalid-credentials' | 'disabled' | 'unavailable' | 'misconfigured' | 'ambiguous';

/** Thrown by a DirectoryAuthenticator; `message` is for logs and never contains the password. */
export class DirectorySignInError extends Error {
  constructor(
    readonly refusal: DirectoryRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'DirectorySignInError';
  }
}

/** Checks a username and password against LDAP / AD (the app adapts @stackyard/identity-directory). */
export interface DirectoryAuthenticator {
  authenticate(username: string, password: string): Promise<Omit<ExternalIdentity, 'provider'>>;
}

/** One configured directory sign-in method. */
export interface DirectoryMethod {
  id: string;
  displayName: string;
  /** The organization its users join (created on first sign-in if missing). */
  organization: string;
  teamMappings: TeamMapping[];
  authenticator: DirectoryAuthenticator;
}

export interface SignInOptions {
  sessionIdleTimeoutMs: number;
  sessionAbsoluteTimeoutMs: number;
  /** Failed password sign-ins per account and per source address. */
  accountThrottle: ThrottlePolicy;
  addressThrottle: ThrottlePolicy;
  directories: DirectoryMethod[];
  /**
   * The console's public origin (`https://console.example.com`): each organization's SAML service
   * provider lives there (entity ID `<origin>/saml/<org>`, ACS `<origin>/saml/<org>/acs`).
   * Undefined: SAML sign-in is unavailable.
   */
  consoleUrl?: string;
  /**
   * Logins that keep directory sign-in when their organization requires SAML: the way back in when
   * the IdP is down or misconfigured. The app always adds the bootstrap admin.
   */
  breakGlassLogins?: readonly string[];
  /** GitHub Enterprise / GitLab / Bitbucket Data Center sign-in; their callbacks live on `consoleUrl`. */
  oauthMethods?: OAuthMethod[];
  /** How long a started OAuth sign-in can be completed (default DEFAULT_OAUTH_STATE_TTL_MS). */
  oauthStateTtlMs?: number;
  /** Derives the console's per-session api tokens (consoleTokenKey); undefined: random per process. */
  consoleTokenKey?: Buffer;
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const SIGN_IN_OPTIONS = Symbol('SIGN_IN_OPTIONS');
