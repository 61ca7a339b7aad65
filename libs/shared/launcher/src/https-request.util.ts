import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HttpsRequestOptions {
  method?: string;
  /** PEM of the CA the server's certificate must chain to (the installation's CA). */
  ca: string | Buffer;
  /** Client certificate and key for mutual TLS (internal routes). */
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTPS request with certificate verification against the given CA; no agent reuse, so a
 * probe never keeps the caller's event loop alive.
 */
export function httpsRequest(url: string, options: HttpsRequestOptions): Promise<HttpsResponse> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${options.timeoutMs ?? 5_000} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export interface WaitReadyOptions {
  ca: string | Buffer;
  /** Client certificate and key: internal services complete no handshake without one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  timeoutMs: number;
  /** Polled between attempts; waiting stops early (with its message) once it returns a string. */
  abortReason?: () => string | undefined;
}

/** Polls `url` until it answers 200, the deadline passes, or `abortReason` reports a dead process. */
export async function waitForReady(url: string, options: WaitReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  let delay = 50;
  for (;;) {
    const aborted = options.abortReason?.();
    if (aborted !== undefined) throw new Error(aborted);
    try {
      const res = await httpsRequest(url, { ca: options.ca, cert: options.cert, key: options.key, timeoutMs: 2_000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${res.text.slice(0, 200)}`;
    } catch (error) {
      last = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`${url} not ready after ${options.timeoutMs} ms (last: ${last})`);
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}
