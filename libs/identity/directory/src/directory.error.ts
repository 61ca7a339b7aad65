/**
 * Why a directory refused or could not answer a sign-in:
 * - `invalid-credentials`: wrong password or unknown user (deliberately indistinguishable);
 * - `disabled`: the account exists but the directory has switched it off;
 * - `ambiguous`: the login matched more than one entry, so no one is signed in;
 * - `unavailable`: connection, TLS or timeout failure: worth retrying later;
 * - `misconfigured`: the directory answered, but the configuration does not fit it (service
 *   bind refused, base DN missing, …): an administrator has to act.
 */
export type DirectoryErrorKind = 'invalid-credentials' | 'disabled' | 'ambiguous' | 'unavailable' | 'misconfigured';

/** The one message for wrong passwords and unknown users, so neither reveals who exists. */
export const INVALID_CREDENTIALS_MESSAGE = 'the username or password is not correct';

/**
 * The only error `LdapDirectory` throws. `message` is meant for logs: it never contains a
 * password, and for `invalid-credentials` it is the same text whatever the reason.
 */
export class DirectoryError extends Error {
  /**
   * For `disabled`: whether the directory checked the password before refusing. Active Directory
   * does (it reports a disabled account only to the right password); OpenLDAP's ppolicy refuses a
   * locked account without checking it. A caller that must not reveal which accounts exist should
   * answer an unverified `disabled` like `invalid-credentials`.
   */
  readonly passwordVerified: boolean;

  constructor(
    readonly kind: DirectoryErrorKind,
    message: string,
    options: { cause?: unknown; passwordVerified?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DirectoryError';
    this.passwordVerified = options.passwordVerified ?? false;
  }

  static invalidCredentials(): DirectoryError {
    // No cause: whether the user was unknown or the password wrong must not leak through logs of
    // the error object either.
    return new DirectoryError('invalid-credentials', INVALID_CREDENTIALS_MESSAGE);
  }
}
