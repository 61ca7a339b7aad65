import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export interface BrowserResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
  setCookies: string[];
}

/**
 * Where to connect for a URL instead of resolving its host: e.g. `app.stackyard.test:8443` →
 * 127.0.0.1 and the console's real port, as a test's hosts file would. TLS still checks the
 * certificate against the URL's host name.
 */
export type BrowserRoute = (url: URL) => { host: string; port: number } | undefined;

export interface BrowserRequestOptions {
  method?: string;
  /** Sent as `application/x-www-form-urlencoded`, the way an HTML form posts. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Override the Origin a form post carries (`null`: none at all). */
  origin?: string | null;
}

/**
 * What a browser does that matters to sign-in flows: a cookie jar for one origin, `Origin` on form
 * posts (as `null` when the page was served under `Referrer-Policy: no-referrer`, as browsers do),
 * and no automatic redirects, so a test sees every hop. TLS trust is the process's: tests add the
 * installation's CA with `tls.setDefaultCACertificates`.
 */
export class TestBrowser {
  readonly jar = new Map<string, string>();
  /** Every response body, so a test can check that no secret reached any page. */
  readonly bodies: string[] = [];
  private pagePolicy = '';

  constructor(
    readonly origin: string,
    private readonly route?: BrowserRoute,
  ) {}

  async request(target: string, options: BrowserRequestOptions = {}): Promise<BrowserResponse> {
    const url = new URL(target, this.origin);
    const headers: Record<string, string> = { 'user-agent': 'StackyardTestBrowser/1.0', ...options.headers };
    const sameOrigin = url.origin === this.origin;
    if (sameOrigin && this.jar.size > 0) headers['cookie'] = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const pageOrigin = this.pagePolicy === 'no-referrer' ? 'null' : this.origin;
      const origin = options.origin === undefined ? pageOrigin : options.origin;
      if (origin !== null) headers['origin'] = origin;
    }
    const res = await this.send(url, options.method ?? (options.form ? 'POST' : 'GET'), headers, body);
    const text = res.body;
    this.bodies.push(text);
    if (sameOrigin && (res.headers.get('content-type') ?? '').startsWith('text/html')) this.pagePolicy = res.headers.get('referrer-policy') ?? '';
    const setCookies = res.headers.getSetCookie();
    if (sameOrigin) {
      for (const cookie of setCookies) {
        const [pair = ''] = cookie.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq);
        if (/;\s*Max-Age=0(;|$)/i.test(cookie)) this.jar.delete(name);
        else this.jar.set(name, pair.slice(eq + 1));
      }
    }
    return { status: res.status, headers: res.headers, body: text, location: res.headers.get('location'), setCookies };
  }

  /** One HTTP exchange, no redirects followed; TLS trust is the process's default CA set. */
  private send(url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; headers: Headers; body: string }> {
    const target = this.route?.(url);
    const secure = url.protocol === 'https:';
    const port = Number(url.port || (secure ? 443 : 80));
    const options = {
      method,
      host: target?.host ?? url.hostname,
      port: target?.port ?? port,
      path: `${url.pathname}${url.search}`,
      headers: { host: url.host, ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      // SNI carries host names only (RFC 6066); for an address, the certificate's IP SAN is checked.
      ...(secure && isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? { servername: url.hostname } : {}),
    };
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
        });
      };
      const req = secure ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The value of a page's `<input type="hidden" name="…">`, HTML entities decoded. */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  assert.ok(match, `no hidden ${name} field in:\n${html}`);
  return match[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
