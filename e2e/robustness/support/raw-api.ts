import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { gzipSync } from 'node:zlib';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RawRequestOptions {
  /** A full `Authorization` value, or `null` for none. Default: `token <default token>`. */
  authorization?: string | null;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
  /** Gzip the body and say so (`Content-Encoding: gzip`), as the CLI does for checkpoints. */
  gzip?: boolean;
  timeoutMs?: number;
}

/**
 * Plain HTTPS against the api, verified against the installation CA: every byte of the request is
 * under the test's control (headers, encodings, malformed bodies), unlike the CLI.
 */
export class RawApi {
  constructor(
    readonly baseUrl: string,
    private readonly ca: string | Buffer,
    private readonly token: string,
  ) {}

  withBase(baseUrl: string): RawApi {
    return new RawApi(baseUrl, this.ca, this.token);
  }

  async call(method: string, path: string, options: RawRequestOptions = {}): Promise<RawResponse> {
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.isBuffer(options.body)
        ? options.body
        : typeof options.body === 'string'
          ? Buffer.from(options.body, 'utf8')
          : Buffer.from(JSON.stringify(options.body));
    }
    if (payload && options.gzip) payload = gzipSync(payload);
    const headers: Record<string, string> = { accept: 'application/vnd.pulumi+9', 'content-type': 'application/json' };
    const authorization = options.authorization === undefined ? `token ${this.token}` : options.authorization;
    if (authorization !== null) headers['authorization'] = authorization;
    if (payload) headers['content-length'] = String(payload.length);
    if (options.gzip) headers['content-encoding'] = 'gzip';
    Object.assign(headers, options.headers ?? {});
    return new Promise<RawResponse>((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        { method, ca: this.ca, headers, agent: false, timeout: options.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `call`, but insists on a 2xx and parses the JSON answer (empty → undefined). */
  async ok<T>(method: string, path: string, options: RawRequestOptions = {}): Promise<T> {
    const res = await this.call(method, path, options);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }
}

/** A deployment as `pulumi stack export` prints it, with `n` plain resources of a fake provider. */
export function fakeDeployment(stack: string, project: string, resources: number): Record<string, unknown> {
  const prefix = `urn:pulumi:${stack}::${project}`;
  const list: Record<string, unknown>[] = [
    { urn: `${prefix}::pulumi:pulumi:Stack::${project}-${stack}`, custom: false, type: 'pulumi:pulumi:Stack', outputs: { answer: 42 } },
  ];
  for (let i = 0; i < resources; i++) {
    list.push({
      urn: `${prefix}::robust:index:Thing::thing-${i}`,
      custom: true,
      id: `thing-${i}-id`,
      type: 'robust:index:Thing',
      inputs: { index: i },
      outputs: { index: i },
      parent: `${prefix}::pulumi:pulumi:Stack::${project}-${stack}`,
    });
  }
  return {
    version: 3,
    deployment: {
      manifest: { time: '2026-01-02T03:04:05.000Z', magic: '', version: 'v3.274.1' },
      resources: list,
    },
  };
}

/** URNs of the resources in an exported `UntypedDeployment` text. */
export function exportedUrns(text: string): string[] {
  const parsed = JSON.parse(text) as { deployment?: { resources?: Array<{ urn?: string }> | null } };
  return (parsed.deployment?.resources ?? []).map((r) => r.urn ?? '');
}
