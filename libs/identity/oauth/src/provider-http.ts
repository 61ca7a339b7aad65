import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OAuthProviderError } from './oauth-provider.error';

/** No provider answer Stackyard reads (a user, a page of groups, a token) comes near this. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const USER_AGENT = 'Stackyard-Identity';

export interface ProviderResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProviderRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** What the call is, for error messages (`token exchange`, `GET /user`). */
  what: string;
}

/**
 * The one way identity talks to an OAuth provider: HTTPS only, the provider's own CA when one is
 * configured (certificates are always verified), no proxy from the environment, no redirects
 * followed (an answer elsewhere is not the configured provider's), a timeout and a size limit.
 */
export class ProviderHttp {
  private readonly origins: Set<string>;

  constructor(
    private readonly options: { allowedOrigins: string[]; caCertificates?: string; tlsServerName?: string; timeoutMs: number },
  ) {
    this.origins = new Set(options.allowedOrigins.map((o) => new URL(o).origin));
  }

  /** Whether `url` is on one of the provider's own origins (a pagination link, say). */
  isProviderUrl(url: string): boolean {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'https:' && this.origins.has(parsed.origin);
    } catch {
      return false;
    }
  }

  send(request: ProviderRequest): Promise<ProviderResponse> {
    if (!this.isProviderUrl(request.url)) {
      return Promise.reject(new OAuthProviderError('misconfigured', `${request.what}: refused to call ${safeUrl(request.url)}, which is not the configured provider`));
    }
    const url = new URL(request.url);
    const body = request.form === undefined ? undefined : new URLSearchParams(request.form).toString();
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...request.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise<ProviderResponse>((resolve, reject) => {
      const fail = (error: unknown) => reject(networkError(request, url, error));
      const req = httpsRequest(
        {
          method: request.method,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port === '' ? 443 : Number(url.port),
          path: `${url.pathname}${url.search}`,
          headers,
          // Undefined means Node's bundled roots; a configured CA replaces them for this provider.
          ...(this.options.caCertificates !== undefined ? { ca: this.options.caCertificates } : {}),
          ...(this.options.tlsServerName !== undefined ? { servername: this.options.tlsServerName } : {}),
          // A fresh connection per call: sign-ins are rare, and no pool outlives a test or a config change.
          agent: false,
          timeout: this.options.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new OAuthProviderError('misconfigured', `${request.what}: the answer from ${url.host} is larger than ${MAX_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on('timeout', () => req.destroy(new OAuthProviderError('unavailable', `${request.what}: ${url.host} did not answer within ${this.options.timeoutMs} ms`)));
      req.on('error', fail);
      req.end(body);
    });
  }

  /** `send`, then the JSON body of a 2xx answer; other statuses are errors worded by `statusError`. */
  async json(request: ProviderRequest): Promise<{ value: unknown; response: ProviderResponse }> {
    const response = await this.send(request);
    if (response.status < 200 || response.status > 299) throw statusError(request, response);
    return { value: parseJson(request, response), response };
  }
}

/** The JSON body of an answer, or a `misconfigured` error naming what came instead. */
export function parseJson(request: Pick<ProviderRequest, 'what' | 'url'>, response: ProviderResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    const type = String(response.headers['content-type'] ?? 'no content type');
    throw new OAuthProviderError('misconfigured', `${request.what}: ${new URL(request.url).host} answered ${response.status} with ${type}, not JSON`);
  }
}

/** A non-2xx answer of a REST call: 5xx and 429 can pass, anything else needs an administrator. */
export function statusError(request: Pick<ProviderRequest, 'what' | 'url'>, response: ProviderResponse): OAuthProviderError {
  const host = new URL(request.url).host;
  if (response.status >= 500 || response.status === 429) return new OAuthProviderError('unavailable', `${request.what}: ${host} answered ${response.status}`);
  if (response.status === 401) return new OAuthProviderError('misconfigured', `${request.what}: ${host} refused the access token it had just issued (401)`);
  if (response.status === 403) return new OAuthProviderError('misconfigured', `${request.what}: ${host} answered 403; the OAuth application may lack a scope it needs`);
  return new OAuthProviderError('misconfigured', `${request.what}: ${host} answered ${response.status}`);
}

function networkError(request: ProviderRequest, url: URL, error: unknown): OAuthProviderError {
  if (error instanceof OAuthProviderError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  // TLS failures (unknown CA, wrong name, expired certificate) are configuration, not weather.
  if (typeof code === 'string' && /CERT|SELF_SIGNED|ERR_TLS|HOSTNAME|VERIFY|ISSUER|SIGNATURE/.test(code)) {
    return new OAuthProviderError('misconfigured', `${request.what}: the TLS certificate of ${url.host} is not trusted (${code}); check caFile and tlsServerName`, { cause: error });
  }
  return new OAuthProviderError('unavailable', `${request.what}: cannot reach ${url.host} (${code ?? (error as Error)?.message ?? 'error'})`, { cause: error });
}

/** A URL for messages: origin and path only (a query might carry a code). */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/** The `rel="next"` target of an RFC 8288 `Link` header, if any. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!value) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2])) return match[1];
  }
  return undefined;
}
