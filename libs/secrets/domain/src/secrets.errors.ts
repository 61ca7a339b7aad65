/** Why a value envelope was refused. Never carries key or plaintext material. */
export type EnvelopeFailure = 'truncated' | 'unsupported-format' | 'unknown-key-version' | 'authentication-failed';

/**
 * A ciphertext that does not open under this stack's key: corrupted, truncated, forged, or sealed
 * for another stack. The api gets a 400, never a 500 and never wrong plaintext.
 */
export class EnvelopeError extends Error {
  constructor(readonly reason: EnvelopeFailure) {
    super(`ciphertext envelope rejected: ${reason}`);
    this.name = 'EnvelopeError';
  }
}

/** A wrapped data key that the key-encryption key does not open (wrong KEK, or tampered record). */
export class KeyUnwrapError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'KeyUnwrapError';
  }
}

/** The configured KEK is not the one the database's keys were wrapped with; the service must not start. */
export class KekMismatchError extends Error {
  constructor(detail: string) {
    super(`the key-encryption key does not match the one this database was created with (${detail})`);
    this.name = 'KekMismatchError';
  }
}

/**
 * A key provider (Vault, a KMS) could not be asked at all: unreachable, timed out, refused our
 * credentials, or answered with a server error. Unlike KeyUnwrapError this says nothing about the
 * wrapped key; the secrets service answers 503 and the caller may retry.
 */
export class KeyProviderUnavailableError extends Error {
  constructor(
    readonly provider: string,
    detail: string,
  ) {
    super(`key provider ${provider} is unavailable: ${detail}`);
    this.name = 'KeyProviderUnavailableError';
  }
}
