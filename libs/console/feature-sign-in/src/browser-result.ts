import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { renderDocument } from './pages';

/** A server-rendered page. `body` is HTML that the page builders have already escaped. */
export interface PageResult {
  kind: 'page';
  status: number;
  title: string;
  body: string;
  cookies: string[];
  /** Origins, besides this one, that the page's forms may end up at (through redirects). */
  formActions: string[];
}

export interface RedirectResult {
  kind: 'redirect';
  /** 303 after a form post (the browser follows with GET), 302 for the hand-over to the CLI. */
  status: 302 | 303;
  location: string;
  cookies: string[];
}

export type BrowserResult = PageResult | RedirectResult;

export function pageResult(status: number, title: string, body: string, options: { cookies?: string[]; formActions?: string[] } = {}): PageResult {
  return { kind: 'page', status, title, body, cookies: options.cookies ?? [], formActions: options.formActions ?? [] };
}

export function redirectResult(status: 302 | 303, location: string, cookies: string[] = []): RedirectResult {
  return { kind: 'redirect', status, location, cookies };
}

/**
 * Headers every console response carries. Nothing external may load, nothing may frame the page,
 * and nothing is cached: pages reflect a session, and redirects may carry tokens.
 *
 * Referrer policy: redirects say `no-referrer`, so the hand-over to the CLI (whose URL holds an
 * access token) and everything after it send no Referer. Pages say `same-origin` rather than
 * `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the page's own form posts
 * (Fetch, "append a request Origin header"), which the same-origin check must refuse.
 */
function securityHeaders(styleNonce: string | undefined, formActions: string[], referrerPolicy: 'no-referrer' | 'same-origin'): Record<string, string> {
  const csp = [
    "default-src 'none'",
    styleNonce ? `style-src 'nonce-${styleNonce}'` : undefined,
    `form-action ${["'self'", ...formActions].join(' ')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].filter((directive) => directive !== undefined);
  return {
    'Content-Security-Policy': csp.join('; '),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': referrerPolicy,
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export function sendBrowserResult(res: ServerResponse, result: BrowserResult): void {
  if (result.kind === 'redirect') {
    res.statusCode = result.status;
    for (const [name, value] of Object.entries(securityHeaders(undefined, [], 'no-referrer'))) res.setHeader(name, value);
    if (result.cookies.length > 0) res.setHeader('Set-Cookie', result.cookies);
    res.setHeader('Location', result.location);
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  const nonce = randomBytes(16).toString('base64');
  const html = renderDocument(result.title, result.body, nonce);
  res.statusCode = result.status;
  for (const [name, value] of Object.entries(securityHeaders(nonce, result.formActions, 'same-origin'))) res.setHeader(name, value);
  if (result.cookies.length > 0) res.setHeader('Set-Cookie', result.cookies);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(html));
  res.end(html);
}

/** A public XML document (SAML metadata): downloadable by anyone, never rendered as a page. */
export function sendXmlDocument(res: ServerResponse, contentType: string, xml: string): void {
  res.statusCode = 200;
  for (const [name, value] of Object.entries(securityHeaders(undefined, [], 'no-referrer'))) res.setHeader(name, value);
  // IdPs fetch metadata from their own servers; a browser may download it from anywhere.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Content-Type', `${contentType}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(xml));
  res.end(xml);
}
