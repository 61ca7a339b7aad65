import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { ApiError, type ErrorBody } from '@stackyard/shared-errors';

export interface InternalClientOptions {
  /** Base URL of the peer service, e.g. https://127.0.0.1:7443 */
  baseUrl: string;
  /** The peer's service name, checked against the `spiffe://stackyard/<name>` URI in its certificate. */
  expectService: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  timeoutMs?: number;
  /**
   * Pass the peer's own 503 message on (e.g. "the directory … cannot be reached"), for callers that
   * show it to a person. Off by default: most callers answer the public, where "<peer> service
   * answered 503" is all that should be said.
   */
  relayUnavailableMessages?: boolean;
}

/**
 * JSON over mutually verified TLS between Stackyard services: this side presents its service
 * certificate, and the peer must present one from the installation's CA naming the expected service.
 * Calls time out and fail with 503 rather than hang.
 */
export class InternalClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: InternalClientOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== 'https:') throw new Error(`internal calls require https (got ${options.baseUrl})`);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const expected = `URI:spiffe://stackyard/${options.expectService}`;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: readFileSync(options.caFile),
      cert: readFileSync(options.certFile),
      key: readFileSync(options.keyFile),
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        const names = (cert.subjectaltname ?? '').split(',').map((s) => s.trim());
        return names.includes(expected) ? undefined : new Error(`peer is not the ${options.expectService} service`);
      },
    });
  }

  async post<T>(path: string, body: unknown, requestId?: string): Promise<T> {
    return this.call<T>('POST', path, body, requestId);
  }

  async get<T>(path: string, requestId?: string): Promise<T> {
    return this.call<T>('GET', path, undefined, requestId);
  }

  call<T>(method: string, path: string, body: unknown, requestId?: string): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const url = new URL(path, this.base);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(payload ? { 'content-length': String(payload.length) } : {}),
            ...(requestId ? { 'x-request-id': requestId } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', () => reject(ApiError.unavailable(`${this.options.expectService} service response failed`)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 500;
            let parsed: unknown;
            try {
              parsed = text ? (JSON.parse(text) as unknown) : undefined;
            } catch {
              parsed = undefined;
            }
            if (status >= 200 && status < 300) {
              resolve(parsed as T);
              return;
            }
            const err = parsed as Partial<ErrorBody> | undefined;
            const relayed = (status >= 400 && status < 500) || (status === 503 && this.options.relayUnavailableMessages === true);
            if (relayed && err && typeof err.message === 'string') {
              reject(new UpstreamError(status, err.message));
              return;
            }
            reject(ApiError.unavailable(`${this.options.expectService} service answered ${status}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) =>
        reject(ApiError.unavailable(`${this.options.expectService} service unreachable (${(error as NodeJS.ErrnoException).code ?? error.message})`)),
      );
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A 4xx from a peer service, carrying its full message ("<Status Text>: <detail>"). */
export class UpstreamError extends ApiError {
  constructor(status: number, upstreamMessage: string) {
    super(status, upstreamMessage.replace(/^[A-Za-z ]+: /, ''));
  }
}
