/** The console's own JSON endpoints (same origin, session cookie); a 401 goes to sign-in and back. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    throw new ConsoleApiError(401, 'signing in again');
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new ConsoleApiError(res.status, body.message ?? `the console answered ${res.status}`);
  return body as T;
}

/** A request that changes something: same origin, session cookie, and this session's CSRF token. */
export async function sendJson<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const session = await getJson<ConsoleSession>('/console/api/session');
  const headers: Record<string, string> = { accept: 'application/json', 'x-csrf-token': session.csrfToken };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: options.method ?? 'POST', headers, credentials: 'same-origin', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new ConsoleApiError(res.status, body.message ?? `the console answered ${res.status}`);
  return body as T;
}

export const postJson = <T>(path: string): Promise<T> => sendJson<T>(path);

export const stackApiPath = (org: string, project: string, stack: string) => `/console/api/stacks/${encodeURIComponent(org)}/${encodeURIComponent(project)}/${encodeURIComponent(stack)}`;
export const stackPagePath = (org: string, project: string, stack: string) => `/console/stacks/${encodeURIComponent(org)}/${encodeURIComponent(project)}/${encodeURIComponent(stack)}`;

export interface StackSummary {
  orgName: string;
  projectName: string;
  stackName: string;
  lastUpdate?: number;
  resourceCount?: number;
}
export interface UpdateInfo {
  kind: string;
  startTime: number;
  endTime: number;
  message: string;
  result: string;
  version: number;
  resourceChanges?: Record<string, number>;
  resourceCount?: number;
}
export interface StackOverview {
  /** `activeUpdate`: the running update's id while one runs (`currentOperation` set), else the latest one's. */
  stack: { orgName: string; projectName: string; stackName: string; activeUpdate: string; currentOperation?: unknown; tags: Record<string, string>; version: number };
  latest: UpdateInfo | null;
  outputs: Array<{ name: string; value: unknown; secret: boolean }>;
  resourceCount: number;
}
export interface UpdateLogPage {
  status: string;
  lines: Array<{ sequence: number; timestamp: number; kind: string; severity?: string; text: string }>;
  continuationToken: string | null;
}
export interface ConsoleSession {
  user: { login: string; name: string };
  organizations: string[];
  csrfToken: string;
}

export interface AccessToken {
  id: string;
  name: string;
  description: string;
  created: string;
  lastUsed: number;
  expires: number;
}
