import { Inject, Injectable } from '@nestjs/common';
import type { ListOrganizationMembersResponse, ListRolesResponse, PutSamlConfigRequest, RoleRecordResponse, RoleScopesResponse, SamlConfigResponse, SamlSpMetadataResponse } from '@stackyard/shared-contracts';
import { type BrowserRequest, IdentityGateway, samlTestStateCookie, SESSION_COOKIE, sessionHashOf } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { API_CALLER, type ApiCaller } from './api.client';
import { ConsoleApiService, NAME } from './console-api.service';

const LOGIN = /^[A-Za-z0-9_.@-]{1,64}$/;
const ROLE_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const SCOPE = /^[a-z][a-z_-]{0,40}:[a-z][a-z_-]{0,40}$/;
const MAX_DESCRIPTION = 1000;
const MAX_PERMISSIONS = 100;
/** Pages of the member list read for one console page. */
const MAX_MEMBER_PAGES = 20;
/** IdP metadata documents are a few KB; a megabyte leaves room for many certificates. */
const MAX_METADATA_CHARS = 1_000_000;

/** One person in the organization as the members page shows them. */
export interface MemberRow {
  login: string;
  name: string;
  /** `admin` or `member`: the built-in role the api reports. */
  role: string;
  /** The role they hold (built-in or custom), by id and name. */
  roleId: string;
  roleName: string;
  /** When they joined the organization (ISO 8601), if the api knows. */
  joined: string;
}

/** A role the members page can give: the built-in ones and the organization's custom roles. */
export interface RoleChoice {
  id: string;
  name: string;
  builtIn: boolean;
}

export interface MembersPage {
  members: MemberRow[];
  roles: RoleChoice[];
}

/** One role as the roles page shows it: what it permits, in the api's scope names. */
export interface RoleRow {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  scopes: string[];
  stackRules: RoleRecordResponse['stackRules'];
  modified: string;
}

export interface RolesPage {
  roles: RoleRow[];
  /** The permission vocabulary a custom role is built from, grouped as the api groups it. */
  scopes: Array<{ group: string; scopes: Array<{ name: string; description: string }> }>;
}

/** What the roles page sends to create a role. */
export interface NewRole {
  name: string;
  description: string;
  permissions: string[];
}

export function checkedLogin(login: string): string {
  if (!LOGIN.test(login)) throw ApiError.badRequest("the login must be 1 to 64 letters, digits, '_', '.', '@' or '-'");
  return login;
}

export function checkedRoleId(roleId: string): string {
  if (!ROLE_ID.test(roleId)) throw ApiError.badRequest('invalid role id');
  return roleId;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{roleId}` from the members page: the role to give, by the id the roles list has. */
export function roleChangeOf(body: unknown): string {
  if (!isObject(body) || typeof body['roleId'] !== 'string') throw ApiError.badRequest('send {"roleId": "<the role\'s id>"}');
  return checkedRoleId(body['roleId']);
}

/**
 * A custom role from the roles page, checked before it goes to the api: a name, an optional
 * description, and at least one permission spelled as the api's scopes are (`stack:read`). Whether
 * each scope exists is the api's to say (it knows the vocabulary).
 */
export function newRoleOf(body: unknown): NewRole {
  if (!isObject(body)) throw ApiError.badRequest('send the role as a JSON object');
  const name = body['name'];
  if (typeof name !== 'string' || !NAME.test(name)) throw ApiError.badRequest("name is required: 1 to 100 letters, digits, '_', '.' or '-'");
  const description = body['description'] ?? '';
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) throw ApiError.badRequest(`description must be text of at most ${MAX_DESCRIPTION} characters`);
  const permissions = body['permissions'];
  if (!Array.isArray(permissions) || permissions.length === 0) throw ApiError.badRequest('choose at least one permission');
  if (permissions.length > MAX_PERMISSIONS) throw ApiError.badRequest(`a role may list at most ${MAX_PERMISSIONS} permissions`);
  const checked = permissions.map((p) => {
    if (typeof p !== 'string' || !SCOPE.test(p)) throw ApiError.badRequest('each permission must be a scope name such as stack:read');
    return p;
  });
  return { name, description, permissions: [...new Set(checked)].sort() };
}

/** The api's `CreateRoleRequest` for a role that allows these scopes everywhere in the organization. */
export function createRoleRequest(role: NewRole): Record<string, unknown> {
  return {
    name: role.name,
    description: role.description,
    resourceType: 'organization',
    uxPurpose: 'role',
    details: { __type: 'PermissionDescriptorAllow', permissions: role.permissions },
  };
}

/**
 * The SSO page's form as identity's `PUT …/saml` takes it, rebuilt from the fields it has (so
 * nothing else is passed on). Identity checks the metadata and each field and says what is wrong;
 * here only the shapes are checked. An empty username attribute means the NameID.
 */
export function ssoChangeOf(body: unknown): Omit<PutSamlConfigRequest, 'sessionHash'> {
  if (!isObject(body)) throw ApiError.badRequest('send the SSO settings as a JSON object');
  const change: Omit<PutSamlConfigRequest, 'sessionHash'> = {};
  const xml = body['idpMetadataXml'];
  // Absent or empty: identity keeps the stored metadata (and says so when there is none yet).
  if (xml !== undefined && xml !== '') {
    if (typeof xml !== 'string' || xml.trim() === '') throw ApiError.badRequest("idpMetadataXml must be the IdP's SAML 2.0 metadata XML, or left out to keep the stored metadata");
    if (xml.length > MAX_METADATA_CHARS) throw ApiError.badRequest(`idpMetadataXml may be at most ${MAX_METADATA_CHARS} characters`);
    change.idpMetadataXml = xml;
  }
  const groups = body['groupsAttribute'];
  if (groups !== undefined && groups !== '') {
    if (typeof groups !== 'string') throw ApiError.badRequest('groupsAttribute must be text');
    change.groupsAttribute = groups;
  }
  const username = body['usernameAttribute'];
  if (username !== undefined) {
    if (username !== null && typeof username !== 'string') throw ApiError.badRequest('usernameAttribute must be text, or empty for the NameID');
    change.usernameAttribute = username === null || username.trim() === '' ? null : username;
  }
  const mappings = body['teamMappings'];
  if (mappings !== undefined) {
    if (!Array.isArray(mappings)) throw ApiError.badRequest('teamMappings must be a list of {group, team}');
    change.teamMappings = mappings.map((m: unknown, i) => {
      if (!isObject(m) || typeof m['group'] !== 'string' || typeof m['team'] !== 'string') throw ApiError.badRequest(`teamMappings[${i}] needs a group and a team`);
      return { group: m['group'], team: m['team'] };
    });
  }
  const enabled = body['enabled'];
  if (enabled !== undefined) {
    if (typeof enabled !== 'boolean') throw ApiError.badRequest('enabled must be true or false');
    change.enabled = enabled;
  }
  return change;
}

function orgPath(org: string): string {
  return `/api/orgs/${encodeURIComponent(org)}`;
}

function roleChoices(roles: RoleRecordResponse[]): RoleChoice[] {
  // Built-in roles first (admin, member), then custom ones by name.
  return roles
    .map((r) => ({ id: r.id, name: r.defaultIdentifier ?? r.name, builtIn: r.defaultIdentifier !== undefined }))
    .sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name));
}

/**
 * An organization's members and roles, read and changed through the api's Pulumi routes as the
 * signed-in person: the api (and identity behind it) decides whether they may.
 */
@Injectable()
export class ConsoleOrgSettingsService {
  constructor(
    private readonly console: ConsoleApiService,
    private readonly identity: IdentityGateway,
    @Inject(API_CALLER) private readonly api: ApiCaller,
  ) {}

  /** The organization's SAML configuration (identity's, never a secret), for its admins only. */
  async sso(request: BrowserRequest, org: string): Promise<SamlConfigResponse> {
    await this.requireAdmin(request, org);
    return this.identity.samlConfig(org, request.requestId);
  }

  async spMetadata(request: BrowserRequest, org: string): Promise<SamlSpMetadataResponse> {
    await this.requireAdmin(request, org);
    return this.identity.samlSpMetadata(org, request.requestId);
  }

  /** Identity checks again that the session's person is an admin of the organization (the session hash), and records the change. */
  async changeSso(request: BrowserRequest, org: string, body: unknown): Promise<SamlConfigResponse> {
    await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the SSO settings as application/json');
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) throw ApiError.unauthorized('sign in to the console first');
    return this.identity.putSamlConfig(org, { ...ssoChangeOf(body), sessionHash: sessionHashOf(sessionToken) }, request.requestId);
  }

  /**
   * Starts an admin's test sign-in against the saved configuration (enabled or not): identity
   * checks the admin role and issues an AuthnRequest kept as this admin's test; the answer is a
   * state cookie (the console's ACS then shows a report instead of signing anyone in) and the IdP
   * URL for the page to go to.
   */
  async startSsoTest(request: BrowserRequest, org: string): Promise<{ redirectUrl: string; cookie: string }> {
    await this.console.changeTokenFor(request);
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) throw ApiError.unauthorized('sign in to the console first');
    const started = await this.identity.samlTestStart(org, { sessionHash: sessionHashOf(sessionToken) }, request.requestId);
    if (!/^https?:\/\//i.test(started.redirectUrl) || !URL.canParse(started.redirectUrl)) throw new Error('identity answered a SAML test start without an http(s) redirect URL');
    return { redirectUrl: started.redirectUrl, cookie: samlTestStateCookie(org, started, Date.now()) };
  }

  private async requireAdmin(request: BrowserRequest, org: string): Promise<void> {
    const session = await this.console.session(request);
    if (!session.adminOf.includes(org)) throw ApiError.forbidden(`only admins of ${org} see its single sign-on settings`);
  }

  async members(request: BrowserRequest, org: string): Promise<MembersPage> {
    const token = await this.console.apiTokenFor(request);
    const roles = await this.api.get<ListRolesResponse>(`${orgPath(org)}/roles?uxPurpose=role`, token, request.requestId);
    const members: MemberRow[] = [];
    let continuationToken: string | undefined;
    for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
      const query = continuationToken ? `?continuationToken=${encodeURIComponent(continuationToken)}` : '';
      const listed = await this.api.get<ListOrganizationMembersResponse>(`${orgPath(org)}/members${query}`, token, request.requestId);
      for (const m of listed.members) {
        const builtIn = roles.roles.find((r) => r.id === m.fgaRole.id)?.defaultIdentifier;
        members.push({ login: m.user.githubLogin, name: m.user.name, role: m.role, roleId: m.fgaRole.id, roleName: builtIn ?? m.fgaRole.name, joined: m.created });
      }
      continuationToken = listed.continuationToken;
      if (!continuationToken) break;
    }
    return { members: members.sort((a, b) => a.login.localeCompare(b.login)), roles: roleChoices(roles.roles) };
  }

  /** Gives a member a role by its id (`PATCH …/members/{login}` with `fgaRoleId`, as Pulumi's console sends it). */
  async changeRole(request: BrowserRequest, org: string, login: string, body: unknown): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the change as application/json');
    await this.api.patch<unknown>(`${orgPath(org)}/members/${encodeURIComponent(login)}`, { fgaRoleId: roleChangeOf(body) }, token, request.requestId);
  }

  async removeMember(request: BrowserRequest, org: string, login: string): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    await this.api.delete(`${orgPath(org)}/members/${encodeURIComponent(login)}`, token, request.requestId);
  }

  async roles(request: BrowserRequest, org: string): Promise<RolesPage> {
    const token = await this.console.apiTokenFor(request);
    const [roles, scopes] = await Promise.all([
      this.api.get<ListRolesResponse>(`${orgPath(org)}/roles?uxPurpose=role`, token, request.requestId),
      this.api.get<RoleScopesResponse>(`${orgPath(org)}/roles/scopes`, token, request.requestId),
    ]);
    return {
      roles: roles.roles
        .map((r) => ({ id: r.id, name: r.defaultIdentifier ?? r.name, description: r.description, builtIn: r.defaultIdentifier !== undefined, scopes: [...r.scopes].sort(), stackRules: r.stackRules, modified: r.modified }))
        .sort((a, b) => Number(b.builtIn) - Number(a.builtIn) || a.name.localeCompare(b.name)),
      scopes: Object.values(scopes)
        .flat()
        .map((g) => ({ group: g.name, scopes: g.scopes.map((s) => ({ name: s.name, description: s.metadata.description })) })),
    };
  }

  async createRole(request: BrowserRequest, org: string, body: unknown): Promise<RoleRow> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the role as application/json');
    const role = await this.api.post<RoleRecordResponse>(`${orgPath(org)}/roles`, createRoleRequest(newRoleOf(body)), token, request.requestId);
    return { id: role.id, name: role.name, description: role.description, builtIn: false, scopes: [...role.scopes].sort(), stackRules: role.stackRules, modified: role.modified };
  }

  async deleteRole(request: BrowserRequest, org: string, roleId: string): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    await this.api.delete(`${orgPath(org)}/roles/${encodeURIComponent(roleId)}`, token, request.requestId);
  }
}
