import type { IncomingMessage } from 'node:http';
import { readCookies } from './cookies';

/** What the sign-in rules need from a browser's request, read once so services stay free of HTTP. */
export interface BrowserRequest {
  requestId?: string;
  query: URLSearchParams;
  cookies: Map<string, string>;
  host?: string;
  origin?: string;
  secFetchSite?: string;
  userAgent?: string;
  /** The socket peer: the browser, or a proxy in front of the console. */
  peerAddress?: string;
  forwardedFor?: string | string[];
  /** A posted `application/x-www-form-urlencoded` body; undefined for anything else. */
  form?: URLSearchParams;
  /** The media type of the body (`application/json`), lowercase, without parameters. */
  contentType?: string;
  /** `X-CSRF-Token`: what the console's own scripts send with JSON requests that change something. */
  csrfHeader?: string;
}

/** The request as `startService` hands it over: raw body kept for the form routes, request id set. */
export type IncomingBrowserRequest = IncomingMessage & { rawBody?: Buffer; requestId?: string; originalUrl?: string };

const MAX_USER_AGENT_LENGTH = 512;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function formOf(req: IncomingBrowserRequest): URLSearchParams | undefined {
  const contentType = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded' || req.rawBody === undefined) return undefined;
  return new URLSearchParams(req.rawBody.toString('utf8'));
}

export function readBrowserRequest(req: IncomingBrowserRequest): BrowserRequest {
  const url = req.originalUrl ?? req.url ?? '/';
  const queryStart = url.indexOf('?');
  const request: BrowserRequest = {
    query: new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)),
    cookies: readCookies(header(req, 'cookie')),
    forwardedFor: req.headers['x-forwarded-for'],
  };
  if (req.requestId !== undefined) request.requestId = req.requestId;
  const host = header(req, 'host');
  if (host !== undefined) request.host = host;
  const origin = header(req, 'origin');
  if (origin !== undefined) request.origin = origin;
  const secFetchSite = header(req, 'sec-fetch-site');
  if (secFetchSite !== undefined) request.secFetchSite = secFetchSite.toLowerCase();
  const userAgent = header(req, 'user-agent');
  if (userAgent !== undefined) request.userAgent = userAgent.slice(0, MAX_USER_AGENT_LENGTH);
  if (req.socket.remoteAddress !== undefined) request.peerAddress = req.socket.remoteAddress;
  const contentType = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== '') request.contentType = contentType;
  const csrfHeader = header(req, 'x-csrf-token');
  if (csrfHeader !== undefined) request.csrfHeader = csrfHeader;
  const form = formOf(req);
  if (form !== undefined) request.form = form;
  return request;
}
