import type { SamlErrorKind } from '@stackyard/shared-contracts';

/** Why a SAML response was refused: the kinds are the contract's (shared with the test sign-in's report). */
export type { SamlErrorKind };

/**
 * The one error `SamlServiceProvider.validatePostResponse` throws. Messages say what was wrong in
 * terms of the configuration (expected audience, ACS URL, issuer) and never quote the assertion.
 */
export class SamlError extends Error {
  constructor(
    readonly kind: SamlErrorKind,
    message: string,
    /** For `idp-status`: the top-level and nested StatusCode values, most specific last. */
    readonly statusCodes: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SamlError';
  }
}
