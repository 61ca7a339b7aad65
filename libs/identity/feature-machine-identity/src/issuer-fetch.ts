import { request } from 'node:https';

/**
 * Fetching what an OIDC issuer publishes (its discovery document, its JWKS). The only outbound
 * connections identity makes on an organization admin's say-so, so they are narrow: https only,
 * verified against the configured CA, optionally only to allowed hosts, no redirects, no
 * credentials in URLs, a size limit and a timeout. Errors name the URL and the reason, never the
 * response body (an admin must not be able to read internal services through issuer URLs).
 */

export const MAX_ISSUER_DOCUMENT_BYTES = 1024 * 1024;
export const ISSUER_FETCH_TIMEOUT_MS = 5_000;

export class IssuerFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IssuerFetchError';
  }
}

export interface IssuerFetchOptions {
  caPem?: string;
  /** `host` or `*.domain`; empty: any host. */
  allowedHosts: readonly string[];
  timeoutMs?: number;
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;

function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allowed.some((entry) => {
    const pattern = entry.toLowerCase();
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
  });
}

/** Checks a URL identity would fetch from; returns it parsed. */
export function checkFetchableUrl(raw: string, allowedHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IssuerFetchError(`${JSON.stringify(raw.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new IssuerFetchError(`${url.origin} is not https; issuer keys are fetched over TLS only`);
  if (url.username || url.password) throw new IssuerFetchError('issuer URLs must not carry credentials');
  if (!hostAllowed(url.hostname, allowedHosts)) throw new IssuerFetchError(`${url.host} is not among the hosts identity may fetch issuer keys from (STACKYARD_OIDC_DISCOVERY_HOSTS)`);
  return url;
}

/** GETs a JSON document over verified TLS. */
export function fetchIssuerJson(raw: string, options: IssuerFetchOptions): Promise<unknown> {
  const url = checkFetchableUrl(raw, options.allowedHosts);
  const shown = `${url.origin}${url.pathname}`;
  return new Promise<unknown>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: options.timeoutMs ?? ISSUER_FETCH_TIMEOUT_MS,
        // A fresh connection each time: the few fetches do not need pooling, and no socket outlives them.
        agent: false,
        ...(options.caPem ? { ca: options.caPem } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          reject(new IssuerFetchError(status >= 300 && status < 400 ? `${shown} redirected (HTTP ${status}); redirects are not followed` : `${shown} answered HTTP ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ISSUER_DOCUMENT_BYTES) {
            req.destroy();
            reject(new IssuerFetchError(`${shown} sent more than ${MAX_ISSUER_DOCUMENT_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', () => reject(new IssuerFetchError(`${shown}: the response broke off`)));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
          } catch {
            reject(new IssuerFetchError(`${shown} did not answer with JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      const hint = CERTIFICATE_ERRORS.test(code) ? "; is the issuer's CA in STACKYARD_OIDC_CA?" : '';
      reject(new IssuerFetchError(`${shown}: could not connect (${code})${hint}`));
    });
    req.end();
  });
}
