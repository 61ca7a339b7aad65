import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Inject, Injectable } from '@nestjs/common';
import { identityScimRelayPath, type ScimRelayRequest, type ScimRelayResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { InternalClient } from '@stackyard/shared-http';
import { IDENTITY_CLIENT } from './principal.service';
import type { AuthenticatedRequest } from './request-context';

/** Pulumi's SCIM base: `/scim/v2/{org}`, then the SCIM endpoint (`/Users/…`, `/Groups`, discovery). */
export const SCIM_ROUTE = /^\/scim\/v2\/([^/]+)(\/.*)?$/;
/** SCIM bodies are read raw (so malformed JSON gets a SCIM error, not `{code, message}`) and bounded. */
export const SCIM_MAX_BODY_BYTES = 2 * 1024 * 1024;
export const SCIM_CONTENT_TYPE = 'application/scim+json';
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SCIM_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** A host header we are willing to echo into resource locations: a name or address, and a port. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * The api's part of SCIM: it owns nothing SCIM touches, so each request is relayed to identity
 * with the SHA-256 of its bearer token (never the token) and answered as identity says. SCIM
 * tokens are not access tokens: they never pass the api's principal resolution.
 */
@Injectable()
export class ScimGateway {
  constructor(@Inject(IDENTITY_CLIENT) private readonly identity: InternalClient) {}

  async relay(req: AuthenticatedRequest, res: ServerResponse): Promise<void> {
    const path = req.path;
    const match = SCIM_ROUTE.exec(path);
    if (!match) throw new ScimGatewayError(404, `no SCIM endpoint at '${path.slice(0, 200)}'`);
    if (!SCIM_METHODS.has(req.method)) throw new ScimGatewayError(405, `${req.method.slice(0, 16)} is not a SCIM method; use GET, POST, PUT, PATCH or DELETE`);
    let organization: string;
    try {
      organization = decodeURIComponent(match[1]);
    } catch {
      throw new ScimGatewayError(404, 'the organization in the path is not valid percent-encoding');
    }
    const request: ScimRelayRequest = {
      tokenHash: bearerTokenHash(req.headers.authorization),
      method: req.method,
      path: match[2] ?? '',
      query: firstValues(req.query),
      baseUrl: `${publicOrigin(req)}/scim/v2/${encodeURIComponent(organization)}`,
      sourceIp: req.socket.remoteAddress ?? '',
    };
    if (req.rawBody && req.rawBody.length > 0) request.body = req.rawBody.toString('utf8');
    const answer = await this.identity.post<ScimRelayResponse>(identityScimRelayPath(organization), request, req.requestId);
    sendScim(res, answer.status, answer.body, answer.location);
  }
}

/** A failure of the relay itself (identity unreachable, a malformed path), answered in SCIM's shape. */
export class ScimGatewayError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function scimErrorBody(status: number, detail: string): Record<string, unknown> {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail };
}

export function sendScim(res: ServerResponse, status: number, body: unknown, location?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  if (location) res.setHeader('Location', location);
  // RFC 6750 §3: a refused bearer token says which scheme the resource wants.
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="scim"');
  if (body === undefined || status === 204) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.setHeader('content-type', `${SCIM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** `Authorization: Bearer <token>` → SHA-256 hex; null when absent or not a plausible token. */
export function bearerTokenHash(header: string | undefined): string | null {
  const match = /^bearer\s+([\x21-\x7e]{8,512})\s*$/i.exec(header ?? '');
  return match ? createHash('sha256').update(match[1]).digest('hex') : null;
}

function firstValues(query: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    const first = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (typeof first === 'string') result[key] = first;
  }
  return result;
}

/** The origin the client used (TLS or the plain-HTTP listener behind a proxy), for resource locations. */
export function publicOrigin(req: AuthenticatedRequest): string {
  const host = req.headers.host ?? '';
  if (!HOST.test(host)) throw ApiError.badRequest('the Host header is missing or malformed');
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').toLowerCase();
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const scheme = encrypted ? 'https' : forwarded === 'https' ? 'https' : 'http';
  return `${scheme}://${host}`;
}
