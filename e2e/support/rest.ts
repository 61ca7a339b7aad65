import assert from 'node:assert/strict';

export interface RestAnswer<T> {
  status: number;
  body: T;
}

/**
 * Pulumi's REST API as a script would call it: `Authorization: token …`, JSON in and out. The
 * process must trust the installation's CA first (`trustInstallationCa`).
 */
export class RestClient {
  constructor(private readonly apiUrl: string) {}

  async call<T = unknown>(method: string, path: string, token: string, body?: unknown): Promise<RestAnswer<T>> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.pulumi+8' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (an export, a CSV): the text itself.
    }
    return { status: res.status, body: parsed as T };
  }

  /** The call, insisting on a 2xx answer (the failure names the route and what came back). */
  async ok<T = unknown>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, token, body);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}
