import type { ExternalIdentity, TeamMapping, ThrottlePolicy } from '@stackyard/identity-domain';

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
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const SIGN_IN_OPTIONS = Symbol('SIGN_IN_OPTIONS');
