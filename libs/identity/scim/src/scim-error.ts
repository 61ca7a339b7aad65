/** RFC 7644 §3.12: the `scimType` detail codes a 400 (and 409, 413) error may carry. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The error body of every SCIM answer that is not a success (RFC 7644 §3.12). */
export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** The HTTP status as a JSON string, as the RFC defines it. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * A refusal meant for the SCIM client, in SCIM's own error shape rather than Stackyard's
 * `{code, message}`: identity providers read `status` and `scimType` to decide what to do next
 * (a 409 `uniqueness` on create makes Entra ID and Okta look the user up instead).
 */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType) body.scimType = this.scimType;
    return body;
  }

  static badRequest(scimType: ScimType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }
  static unauthorized(detail: string): ScimError {
    return new ScimError(401, detail);
  }
  static forbidden(detail: string): ScimError {
    return new ScimError(403, detail);
  }
  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }
  static methodNotAllowed(detail: string): ScimError {
    return new ScimError(405, detail);
  }
  static conflict(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }
  static notImplemented(detail: string): ScimError {
    return new ScimError(501, detail);
  }
}
