import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Empty when the body was only counted. */
  body: Buffer;
  bytes: number;
  /** Request sent to last response byte received. */
  ms: number;
}

export interface RawCallOptions {
  /** A full `Authorization` value; default `token <access token>`. */
  authorization?: string;
  headers?: Record<string, string>;
  /** Sent as is (a Buffer) or as JSON. */
  body?: Buffer | object;
  /** The body is already gzip: say so (`Content-Encoding: gzip`), as the CLI does for state. */
  gzipped?: boolean;
  /** Count the response bytes without keeping them (large exports). */
  discardBody?: boolean;
  timeoutMs?: number;
}

/**
 * HTTPS to the api with the installation CA and a keep-alive connection, like the CLI's Go
 * client: a timed request pays for the request, not for a TLS handshake.
 */
export class RawClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly ca: Buffer,
    private readonly token: string,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca });
  }

  close(): void {
    this.agent.destroy();
  }

  call(method: string, path: string, options: RawCallOptions = {}): Promise<RawResponse> {
    const payload = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      accept: 'application/vnd.pulumi+9',
      'content-type': 'application/json',
      'user-agent': 'pulumi-cli/1 (v3.274.1; linux; cmd=stackyard-bench)',
      authorization: options.authorization ?? `token ${this.token}`,
      ...(payload ? { 'content-length': String(payload.length) } : {}),
      ...(options.gzipped ? { 'content-encoding': 'gzip' } : {}),
      ...options.headers,
    };
    return new Promise<RawResponse>((resolve, reject) => {
      const t0 = performance.now();
      const req = request(`${this.baseUrl}${path}`, { method, agent: this.agent, ca: this.ca, headers, timeout: options.timeoutMs ?? 600_000 }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (!options.discardBody) chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes, ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** `call`, insisting on a 2xx; returns the parsed JSON answer (undefined when empty). */
  async ok<T>(method: string, path: string, options: RawCallOptions = {}): Promise<T> {
    const res = await this.call(method, path, options);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : undefined) as T;
  }
}
