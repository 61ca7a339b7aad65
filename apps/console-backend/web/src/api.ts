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
  tags?: Record<string, string>;
}
export interface UpdateInfo {
  /** The update's id (the api's history entries carry it, as Pulumi Cloud's do). */
  updateID?: string;
  kind: string;
  startTime: number;
  endTime: number;
  message: string;
  result: string;
  version: number;
  resourceChanges?: Record<string, number>;
  resourceCount?: number;
  /** What the CLI reported about where it ran (`git.head`, `ci.system`, `exec.kind`, …). */
  environment?: Record<string, string>;
}
export interface StackOverview {
  /** `activeUpdate`: the running update's id while one runs (`currentOperation` set), else the latest one's. */
  stack: { orgName: string; projectName: string; stackName: string; activeUpdate: string; currentOperation?: unknown; tags: Record<string, string>; version: number };
  latest: UpdateInfo | null;
  outputs: Array<{ name: string; value: unknown; secret: boolean }>;
  resourceCount: number;
}
/** A resource step's start, end or failure, from the update's stream (`event: engine-event`). */
export interface UpdateTimelineEvent {
  sequence: number;
  timestamp: number;
  phase: 'start' | 'end' | 'failed';
  urn: string;
  type: string;
  op: string;
}
export interface UpdateLogPage {
  status: string;
  lines: Array<{ sequence: number; timestamp: number; kind: string; severity?: string; text: string }>;
  continuationToken: string | null;
}
export interface ConsoleSession {
  user: { login: string; name: string };
  organizations: string[];
  adminOf: string[];
  csrfToken: string;
}

export const orgApiPath = (org: string) => `/console/api/orgs/${encodeURIComponent(org)}`;
export const orgPagePath = (org: string) => `/console/orgs/${encodeURIComponent(org)}`;

/** Pulumi's stack permission levels and what the console calls them. */
export const PERMISSION_NAMES: Record<number, string> = { 101: 'Read', 102: 'Write', 103: 'Admin' };

export interface TeamMember {
  name: string;
  githubLogin: string;
  role: 'admin' | 'member';
}
export interface Team {
  kind: string;
  name: string;
  displayName: string;
  description: string;
  members?: TeamMember[];
  stacks?: Array<{ projectName: string; stackName: string; permission: number }>;
  userRole: string;
}
export interface OrganizationMember {
  login: string;
  name: string;
  role: string;
}
export interface AuditLogEvent {
  timestamp: number;
  sourceIP: string;
  event: string;
  description: string;
  user: { name: string; githubLogin: string };
  actorName: string;
  authFailure: boolean;
}
export type AccessReason =
  | { kind: 'organization-admin'; organization: string }
  | { kind: 'organization-default'; permission: number }
  | { kind: 'stack-creator'; login: string }
  | { kind: 'personal-namespace'; login: string }
  | { kind: 'grant'; via: { kind: string; team?: string }; target: { kind: string; project?: string; stack?: string; key?: string; value?: string }; permission: number }
  | { kind: 'role'; role: { id: string; name: string }; via: { kind: string; team?: string }; target: { kind: string; project?: string; stack?: string; key?: string; value?: string }; scopes: string[] };
export interface StackSettings {
  tags: Record<string, string>;
  teams: Array<{ name: string; displayName: string; permission: number }>;
  access: { user: string; permission: number; scopes: string[]; reasons: AccessReason[]; actions: Array<{ action: string; allowed: boolean; reason?: string }> };
  canManageAccess: boolean;
  canChangeTags: boolean;
}
export interface StackResourceNode {
  urn: string;
  type: string;
  name: string;
  provider: string;
  id?: string;
  inputs: unknown;
  outputs: unknown;
  children: StackResourceNode[];
}

export interface AccessToken {
  id: string;
  name: string;
  description: string;
  created: string;
  lastUsed: number;
  expires: number;
  /** Organization tokens: acts as an organization admin. */
  admin?: boolean;
  createdBy?: string | null;
}

/** A created token: its value is in this answer only. */
export interface CreatedAccessToken {
  id: string;
  tokenValue: string;
}

/** The members page's JSON: everyone in the organization and the roles they can be given. */
export interface OrgMemberRow {
  login: string;
  name: string;
  role: string;
  roleId: string;
  roleName: string;
  joined: string;
}
export interface OrgRoleChoice {
  id: string;
  name: string;
  builtIn: boolean;
}
/** The roles page's JSON: each role with what it permits, and the permission vocabulary. */
export interface OrgRoleRow {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  scopes: string[];
  stackRules: Array<{ target: { kind: string; project?: string; stack?: string; key?: string; value?: string }; permission: number }>;
  modified: string;
}
export interface OrgScopeGroup {
  group: string;
  scopes: Array<{ name: string; description: string }>;
}
/** The SSO page's JSON: identity's SAML configuration of the organization (never a secret). */
export interface SamlSettings {
  organization: string;
  serviceProvider: { entityId: string; acsUrl: string; metadataUrl: string };
  configured: boolean;
  enabled: boolean;
  idp?: { entityId: string; ssoUrl: string; nameIdFormats: string[]; signingCertificateCount: number; signingCertificatesExpireAt: number };
  problem?: string;
  groupsAttribute: string;
  usernameAttribute: string | null;
  teamMappings: Array<{ group: string; team: string }>;
  /** The stored IdP metadata (public): the page shows it, and a save without a change keeps it. */
  idpMetadataXml?: string;
  updatedAt?: number;
  updatedBy?: string;
}
