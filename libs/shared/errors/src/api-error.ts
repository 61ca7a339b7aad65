import { STATUS_CODES } from 'node:http';

/** One entry of the optional `errors` array of Pulumi's error body (`apitype/errors.go`). */
export interface ApiErrorDetail {
  resource: string;
  attribute?: string;
  errorType: 'not_found' | 'required' | 'invalid' | 'already_exists' | 'custom';
  customMessage?: string;
}

/** The error body every Stackyard service answers with; `code` always equals the HTTP status. */
export interface ErrorBody {
  code: number;
  message: string;
  errors?: ApiErrorDetail[];
}

/**
 * An error meant for the client. The CLI prints `[<code>] <message>` and matches some messages
 * exactly (pulumi-protocol.md §6), so the message is built as "<Status Text>: <detail>" here, once.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: ApiErrorDetail[],
  ) {
    super(`${statusText(status)}: ${detail}`);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.status, message: this.message };
    if (this.errors?.length) body.errors = this.errors;
    return body;
  }

  static badRequest(detail: string, errors?: ApiErrorDetail[]): ApiError {
    return new ApiError(400, detail, errors);
  }
  static unauthorized(detail = 'No credentials provided or are invalid.'): ApiError {
    return new ApiError(401, detail);
  }
  static forbidden(detail: string): ApiError {
    return new ApiError(403, detail);
  }
  static notFound(detail: string): ApiError {
    return new ApiError(404, detail);
  }
  static conflict(detail: string): ApiError {
    return new ApiError(409, detail);
  }
  static payloadTooLarge(detail: string): ApiError {
    return new ApiError(413, detail);
  }
  static unsupportedMediaType(detail: string): ApiError {
    return new ApiError(415, detail);
  }
  static tooManyRequests(detail: string): ApiError {
    return new ApiError(429, detail);
  }
  static unavailable(detail: string): ApiError {
    return new ApiError(503, detail);
  }
}

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
