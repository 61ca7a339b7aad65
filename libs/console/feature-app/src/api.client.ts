import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ApiError } from '@stackyard/shared-errors';

/** How the console reaches the api: as a person, with their session's access token. */
export interface ApiCaller {
  get<T>(path: string, accessToken: string, requestId?: string): Promise<T>;
  post<T>(path: string, body: unknown, accessToken: string, requestId?: string): Promise<T>;
  patch<T>(path: string, body: unknown, accessToken: string, requestId?: string): Promise<T>;
  delete(path: string, accessToken: string, requestId?: string): Promise<void>;
  /** A file the api sends (an audit-log export): its bytes as sent, with its type and name. */
  file(path: string, accessToken: string, requestId?: string): Promise<ApiFile>;
}

export interface ApiFile {
  contentType: string;
  /** `content-encoding` as the api sent it (the audit-log export is always gzip). */
  contentEncoding: string | undefined;
  /** The file name from `content-disposition`, if any. */
  fileName: string | undefined;
  body: Buffer;
}

export const API_CALLER = Symbol('ConsoleApiCaller');

export interface HttpsApiClientOptions {
  /** The api's own URL, e.g. `https://api.example.com` (no path). */
  baseUrl: string;
  /** PEM certificates, besides Node's built-in roots, that may sign the api's certificate (the installation CA). */
  caPem?: string;
  timeoutMs?: number;
}

/** The most of an api answer the console reads; a stack export is the largest. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Calls the api's public endpoints like the CLI does (`Authorization: token …`), so the api's own
 * authentication and RBAC decide what the person sees. Errors keep the api's status for 4xx and
 * become 502 for anything else, never echoing the token.
 */
export class HttpsApiClient implements ApiCaller {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly options: HttpsApiClientOptions) {
    this.base = new URL(options.baseUrl);
    this.agent = new Agent({ keepAlive: true, ca: options.caPem ? [...rootCertificates, options.caPem] : [...rootCertificates] });
  }

  get<T>(path: string, accessToken: string, requestId?: string): Promise<T> {
    return this.send<T>('GET', path, undefined, accessToken, requestId);
  }

  post<T>(path: string, body: unknown, accessToken: string, requestId?: string): Promise<T> {
    return this.send<T>('POST', path, Buffer.from(JSON.stringify(body), 'utf8'), accessToken, requestId);
  }

  patch<T>(path: string, body: unknown, accessToken: string, requestId?: string): Promise<T> {
    return this.send<T>('PATCH', path, Buffer.from(JSON.stringify(body), 'utf8'), accessToken, requestId);
  }

  async delete(path: string, accessToken: string, requestId?: string): Promise<void> {
    await this.send<unknown>('DELETE', path, undefined, accessToken, requestId);
  }

  async file(path: string, accessToken: string, requestId?: string): Promise<ApiFile> {
    const answer = await this.exchange('GET', path, undefined, accessToken, requestId, '*/*');
    if (answer.status < 200 || answer.status >= 300) throw apiErrorOf(answer.status, answer.body.toString('utf8'));
    const header = (name: string) => {
      const value = answer.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const disposition = /filename="([^"]{1,200})"/.exec(header('content-disposition') ?? '');
    return { contentType: header('content-type') ?? 'application/octet-stream', contentEncoding: header('content-encoding'), fileName: disposition?.[1], body: answer.body };
  }

  private async send<T>(method: string, path: string, body: Buffer | undefined, accessToken: string, requestId: string | undefined): Promise<T> {
    const answer = await this.exchange(method, path, body, accessToken, requestId, 'application/vnd.pulumi+8');
    const text = answer.body.toString('utf8');
    if (answer.status < 200 || answer.status >= 300) throw apiErrorOf(answer.status, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(502, 'the api answered with something other than JSON');
    }
  }

  private exchange(
    method: string,
    path: string,
    body: Buffer | undefined,
    accessToken: string,
    requestId: string | undefined,
    accept: string,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
            accept,
            authorization: `token ${accessToken}`,
            'user-agent': 'stackyard-console',
            ...(requestId ? { 'x-request-id': requestId } : {}),
          },
          timeout: this.options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('the api answered with more than the console reads'));
            else chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('the api did not answer in time')));
      req.on('error', (error) => reject(error instanceof ApiError ? error : new ApiError(502, `the api could not be reached (${error.message})`)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function apiErrorOf(status: number, text: string): ApiError {
  let message = '';
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message.replace(/^[A-Za-z ]+: /, '');
  } catch {
    // Not the api's error shape: the status says enough.
  }
  if (status === 401) return ApiError.unauthorized('sign in to the console again');
  if (status >= 400 && status < 500) return new ApiError(status, message || 'the api refused the request');
  return new ApiError(502, 'the api failed to answer');
}
