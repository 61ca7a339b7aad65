/**
 * Why a SAML response was refused. The identity service maps every kind to the same "sign-in
 * failed" answer for the browser and records the kind (never the assertion) in its audit log.
 */
export type SamlErrorKind =
  /** The assertion carries no XML signature (a signed Response around it is not enough). */
  | 'unsigned'
  /** A signature is there but does not verify against the IdP's certificates, or signature wrapping. */
  | 'bad-signature'
  /** The assertion's AudienceRestriction does not name this SP's entity ID. */
  | 'wrong-audience'
  /** SubjectConfirmationData Recipient or Response Destination is not this SP's ACS URL. */
  | 'wrong-recipient'
  /** The Issuer is not the configured IdP's entity ID. */
  | 'wrong-issuer'
  /** NotOnOrAfter (or the maximum assertion age, or SessionNotOnOrAfter) has passed, beyond the clock skew. */
  | 'expired'
  /** NotBefore (or IssueInstant) lies in the future, beyond the clock skew. */
  | 'not-yet-valid'
  /** This assertion ID was already consumed. */
  | 'replayed'
  /** InResponseTo names no outstanding AuthnRequest of this SP, or the response is unsolicited. */
  | 'unknown-request'
  /** The IdP answered with a non-success StatusCode (e.g. Responder/AuthnFailed). */
  | 'idp-status'
  /** Not base64, not XML, a DTD, not a SAML Response, a required element missing, too large. */
  | 'malformed';

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
