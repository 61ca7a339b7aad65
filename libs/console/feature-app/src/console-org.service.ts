import { gzipSync } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import type { AuditLogEvent, AuditLogEventsResponse, ListOrganizationMembersResponse, ListTeamsResponse, TeamResponse } from '@stackyard/shared-contracts';
import type { BrowserRequest } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { API_CALLER, type ApiCaller } from './api.client';
import { ConsoleApiService, NAME } from './console-api.service';

const LOGIN = /^[A-Za-z0-9_.@-]{1,64}$/;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const CONTINUATION = /^[A-Za-z0-9_=-]{1,64}$/;
const MAX_DISPLAY_NAME = 200;
const MAX_DESCRIPTION = 1000;
/** Pages of the member list read for one console page. */
const MAX_MEMBER_PAGES = 20;
const AUDIT_PAGE_SIZE = 50;
const PERMISSIONS = new Set([101, 102, 103]);

export interface OrganizationMember {
  login: string;
  name: string;
  role: string;
}

export interface AuditLogPage {
  events: AuditLogEvent[];
  /** Pass back for the next (older) page; absent on the last one. */
  continuationToken?: string;
}

export interface AuditLogFilter {
  event?: string;
  user?: string;
  continuationToken?: string;
}

export interface AuditLogDownload {
  fileName: string;
  contentType: string;
  /** The gzip file as the api made it. */
  body: Buffer;
}

export function checkedOrg(org: string): string {
  if (!NAME.test(org)) throw ApiError.badRequest("the organization name must be 1 to 100 letters, digits, '_', '.' or '-'");
  return org;
}

export function checkedTeam(team: string): string {
  if (!NAME.test(team)) throw ApiError.badRequest("the team name must be 1 to 100 letters, digits, '_', '.' or '-'");
  return team;
}

function orgPath(org: string): string {
  return `/api/orgs/${encodeURIComponent(org)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw ApiError.badRequest(`${field} must be text of at most ${max} characters`);
  return value;
}

function stackOf(value: unknown, field: string): { projectName: string; stackName: string } {
  if (!isObject(value) || typeof value['projectName'] !== 'string' || typeof value['stackName'] !== 'string' || !NAME.test(value['projectName']) || !NAME.test(value['stackName'])) {
    throw ApiError.badRequest(`${field} needs projectName and stackName (letters, digits, '_', '.', '-')`);
  }
  return { projectName: value['projectName'], stackName: value['stackName'] };
}

function permissionOf(value: unknown, field: string): 101 | 102 | 103 {
  if (typeof value !== 'number' || !PERMISSIONS.has(value)) throw ApiError.badRequest(`${field}.permission must be 101 (Read), 102 (Write) or 103 (Admin)`);
  return value as 101 | 102 | 103;
}

/**
 * One team change as the api's `PATCH /api/orgs/{org}/teams/{team}` takes it (one operation per
 * call), rebuilt from only the fields that operation has, so nothing else is passed through.
 */
export function teamChangeOf(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw ApiError.badRequest('send one team change as a JSON object');
  const named = ['memberAction', 'addStackPermission', 'editStackPermission', 'removeStack'].filter((k) => body[k] !== undefined && body[k] !== null);
  if (named.length !== 1) throw ApiError.badRequest('send exactly one of memberAction (with member), addStackPermission, editStackPermission or removeStack');
  switch (named[0]) {
    case 'memberAction': {
      const action = body['memberAction'];
      const member = body['member'];
      if (action !== 'add' && action !== 'remove' && action !== 'promote' && action !== 'demote') throw ApiError.badRequest('memberAction must be add, remove, promote or demote');
      if (typeof member !== 'string' || !LOGIN.test(member)) throw ApiError.badRequest("member must be the member's login");
      return { memberAction: action, member };
    }
    case 'addStackPermission':
    case 'editStackPermission': {
      const field = named[0];
      const value = body[field];
      return { [field]: { ...stackOf(value, field), permission: permissionOf(isObject(value) ? value['permission'] : undefined, field) } };
    }
    default:
      return { removeStack: stackOf(body['removeStack'], 'removeStack') };
  }
}

/**
 * An organization's teams and audit log, read and changed through the api as the signed-in
 * person: the api (and identity behind it) decides whether they may (organization or team admins).
 */
@Injectable()
export class ConsoleOrgService {
  constructor(
    private readonly console: ConsoleApiService,
    @Inject(API_CALLER) private readonly api: ApiCaller,
  ) {}

  async teams(request: BrowserRequest, org: string): Promise<ListTeamsResponse> {
    const token = await this.console.apiTokenFor(request);
    return this.api.get<ListTeamsResponse>(`${orgPath(org)}/teams`, token, request.requestId);
  }

  async team(request: BrowserRequest, org: string, team: string): Promise<TeamResponse> {
    const token = await this.console.apiTokenFor(request);
    return this.api.get<TeamResponse>(`${orgPath(org)}/teams/${encodeURIComponent(team)}`, token, request.requestId);
  }

  async createTeam(request: BrowserRequest, org: string, body: unknown): Promise<TeamResponse> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the team as application/json');
    if (!isObject(body)) throw ApiError.badRequest('send the team as a JSON object');
    const name = body['name'];
    if (typeof name !== 'string' || !NAME.test(name)) throw ApiError.badRequest("name is required: 1 to 100 letters, digits, '_', '.' or '-'");
    const displayName = optionalText(body, 'displayName', MAX_DISPLAY_NAME) ?? name;
    const description = optionalText(body, 'description', MAX_DESCRIPTION) ?? '';
    return this.api.post<TeamResponse>(`${orgPath(org)}/teams/pulumi`, { organization: org, name, displayName, description }, token, request.requestId);
  }

  async changeTeam(request: BrowserRequest, org: string, team: string, body: unknown): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the change as application/json');
    await this.api.patch<unknown>(`${orgPath(org)}/teams/${encodeURIComponent(team)}`, teamChangeOf(body), token, request.requestId);
  }

  async deleteTeam(request: BrowserRequest, org: string, team: string): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    await this.api.delete(`${orgPath(org)}/teams/${encodeURIComponent(team)}`, token, request.requestId);
  }

  /** Everyone in the organization (for choosing whom to add to a team). */
  async members(request: BrowserRequest, org: string): Promise<{ members: OrganizationMember[] }> {
    const token = await this.console.apiTokenFor(request);
    const members: OrganizationMember[] = [];
    let continuationToken: string | undefined;
    for (let page = 0; page < MAX_MEMBER_PAGES; page++) {
      const query = continuationToken ? `?continuationToken=${encodeURIComponent(continuationToken)}` : '';
      const listed = await this.api.get<ListOrganizationMembersResponse>(`${orgPath(org)}/members${query}`, token, request.requestId);
      members.push(...listed.members.map((m) => ({ login: m.user.githubLogin, name: m.user.name, role: m.role })));
      continuationToken = listed.continuationToken;
      if (!continuationToken) break;
    }
    return { members: members.sort((a, b) => a.login.localeCompare(b.login)) };
  }

  /** One page of the organization's audit log, newest first (`GET /api/orgs/{org}/auditlogs/v2`). */
  async auditLog(request: BrowserRequest, org: string, filter: AuditLogFilter): Promise<AuditLogPage> {
    const query = auditQuery(filter);
    if (filter.continuationToken !== undefined && filter.continuationToken !== '') {
      if (!CONTINUATION.test(filter.continuationToken)) throw ApiError.badRequest('invalid continuationToken');
      query.set('continuationToken', filter.continuationToken);
    }
    query.set('pageSize', String(AUDIT_PAGE_SIZE));
    const token = await this.console.apiTokenFor(request);
    const page = await this.api.get<AuditLogEventsResponse>(`${orgPath(org)}/auditlogs/v2?${query.toString()}`, token, request.requestId);
    return { events: page.auditLogEvents, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
  }

  /** The whole (filtered) log as the api exports it: a gzip file, CSV or CEF. */
  async auditLogExport(request: BrowserRequest, org: string, format: string, filter: AuditLogFilter): Promise<AuditLogDownload> {
    if (format !== 'csv' && format !== 'cef') throw ApiError.badRequest('format must be csv or cef');
    const query = auditQuery(filter);
    query.set('format', format);
    const token = await this.console.apiTokenFor(request);
    const file = await this.api.file(`${orgPath(org)}/auditlogs/v2/export?${query.toString()}`, token, request.requestId);
    const base = (file.fileName ?? `${org}-audit-log.${format}`).replace(/[^A-Za-z0-9._-]/g, '_');
    if (file.contentEncoding !== undefined && file.contentEncoding !== 'gzip') throw new ApiError(502, 'the api sent the export in an unexpected encoding');
    // The api sends the file gzip-encoded; the console hands it on as the .gz file it is.
    return { fileName: `${base}.gz`, contentType: 'application/gzip', body: file.contentEncoding === 'gzip' ? file.body : gzipSync(file.body) };
  }
}

function auditQuery(filter: AuditLogFilter): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.event !== undefined && filter.event !== '') {
    if (!EVENT_NAME.test(filter.event)) throw ApiError.badRequest('event must be an event name such as stack_created');
    query.set('eventFilter', filter.event);
  }
  if (filter.user !== undefined && filter.user !== '') {
    if (!LOGIN.test(filter.user)) throw ApiError.badRequest('user must be a login');
    query.set('userFilter', filter.user);
  }
  return query;
}
