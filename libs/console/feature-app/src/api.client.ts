import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ApiError } from '@stackyard/shared-errors';

/** How the console reaches the api: as a person, with their session's access token. */
export interface ApiCaller {
  get<T>(path: string, accessToken: string, requestId?: string): Promise<T>;
  post<T>(path: string, body: unknown, accessToken: string, requestId?: string): Promise<T>;
  delete(path: string, accessToken: string, requestId?: string): Promise<void>;
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

  async delete(path: string, accessToken: string, requestId?: string): Promise<void> {
    await this.send<unknown>('DELETE', path, undefined, accessToken, requestId);
  }

  private send<T>(method: string, path: string, body: Buffer | undefined, accessToken: string, requestId: string | undefined): Promise<T> {
    const url = new URL(path, this.base);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
            accept: 'application/vnd.pulumi+8',
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
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 502;
            if (status >= 200 && status < 300) {
              if (text === '') {
                resolve(undefined as T);
                return;
              }
              try {
                resolve(JSON.parse(text) as T);
              } catch {
                reject(new ApiError(502, 'the api answered with something other than JSON'));
              }
              return;
            }
            reject(apiErrorOf(status, text));
          });
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
