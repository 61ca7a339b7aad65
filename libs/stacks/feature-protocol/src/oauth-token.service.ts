import { Inject, Injectable } from '@nestjs/common';
import {
  IDENTITY_TOKEN_EXCHANGE_PATH,
  type OAuthErrorCode,
  type OAuthErrorResponse,
  type TokenExchangeGrantResponse,
  type TokenExchangeInternalRequest,
  type TokenExchangeInternalResponse,
} from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { InternalClient } from '@stackyard/shared-http';
import { IDENTITY_CLIENT } from './principal.service';

/** More parameters than RFC 8693 defines plus Pulumi's is not a token request. */
const MAX_PARAMETERS = 32;

export interface OAuthAnswer {
  status: number;
  body: TokenExchangeGrantResponse | OAuthErrorResponse;
}

function oauthError(status: number, error: OAuthErrorCode, description: string): OAuthAnswer {
  return { status, body: { error, error_description: description } };
}

/**
 * Reads the form of `POST /api/oauth/token` (RFC 6749 §3.2: `application/x-www-form-urlencoded`,
 * each parameter at most once; JSON is accepted too, as Pulumi's generated cloud SDK sends it) into
 * parameters, or the OAuth error that says why not.
 */
export function readTokenRequest(contentType: string | undefined, body: Buffer | undefined): { parameters: Record<string, string> } | { refused: OAuthAnswer } {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const text = (body ?? Buffer.alloc(0)).toString('utf8');
  const parameters: Record<string, string> = {};
  if (mediaType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    for (const [name, value] of form) {
      if (Object.hasOwn(parameters, name)) return { refused: oauthError(400, 'invalid_request', `parameter ${JSON.stringify(name.slice(0, 40))} is given more than once`) };
      parameters[name] = value;
    }
  } else if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { refused: oauthError(400, 'invalid_request', 'the body is not valid JSON') };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { refused: oauthError(400, 'invalid_request', 'the body must be a JSON object of strings') };
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'number' && Number.isFinite(value)) parameters[name] = String(value);
      else if (typeof value === 'string') parameters[name] = value;
      else return { refused: oauthError(400, 'invalid_request', `parameter ${JSON.stringify(name.slice(0, 40))} must be a string`) };
    }
  } else {
    return { refused: oauthError(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded') };
  }
  if (Object.keys(parameters).length > MAX_PARAMETERS) return { refused: oauthError(400, 'invalid_request', 'too many parameters') };
  return { parameters };
}

/**
 * `POST /api/oauth/token`: the OIDC token exchange of `pulumi login --oidc-token`. Deliberately
 * public — the JWT in the request is the authentication — and answered in OAuth's own shapes
 * (RFC 6749 §5.1/§5.2), which the CLI prints as they are when it fails. Identity decides.
 */
@Injectable()
export class OAuthTokenService {
  constructor(@Inject(IDENTITY_CLIENT) private readonly identity: InternalClient) {}

  async exchange(contentType: string | undefined, body: Buffer | undefined, sourceIp: string | undefined, requestId?: string): Promise<OAuthAnswer> {
    const read = readTokenRequest(contentType, body);
    if ('refused' in read) return read.refused;
    const request: TokenExchangeInternalRequest = { parameters: read.parameters, ...(sourceIp ? { sourceIp } : {}) };
    let answer: TokenExchangeInternalResponse;
    try {
      answer = await this.identity.post<TokenExchangeInternalResponse>(IDENTITY_TOKEN_EXCHANGE_PATH, request, requestId);
    } catch (error) {
      // Identity unreachable: a 503 the CLI retries, in the shape it expects here.
      if (error instanceof ApiError && error.status === 503) return oauthError(503, 'temporarily_unavailable', 'the identity service is unavailable; try again');
      if (error instanceof ApiError && error.status === 400) return oauthError(400, 'invalid_request', error.detail);
      throw error;
    }
    if (answer.outcome === 'granted') return { status: 200, body: answer.grant };
    return oauthError(answer.status, answer.error, answer.description);
  }
}
