import { Inject, Injectable } from '@nestjs/common';
import type { StackAccessExplanation, StackResponse, StackTeamGrantsResponse, UntypedDeployment } from '@stackyard/shared-contracts';
import type { BrowserRequest } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { API_CALLER, type ApiCaller } from './api.client';
import { ConsoleApiService, NAME, type StackRef, stackPath } from './console-api.service';
import { type StackResourceNode, stackResourceTree } from './stack-resources';

/** Tag names the console sets (the api accepts more; these read well in a URL and a filter). */
const NEW_TAG_NAME = /^[A-Za-z0-9_.:/-]{1,100}$/;
const MAX_TAG_VALUE = 256;
/** Any existing tag may be removed, whatever the CLI allowed when it was set. */
const EXISTING_TAG_NAME = /^[^\u0000-\u001f\u007f]{1,1000}$/;
const LEVELS = new Set([0, 101, 102, 103]);

export interface StackSettings {
  tags: Record<string, string>;
  /** Teams with a grant on the stack (what `GET /api/stacks/…/teams` lists). */
  teams: StackTeamGrantsResponse['teams'];
  /** The person's own access and every reason for it. */
  access: StackAccessExplanation;
  /** Whether the person may change who has access (stack Admin). */
  canManageAccess: boolean;
  /** Whether the person may change the tags (stack Write). */
  canChangeTags: boolean;
}

function allowed(access: StackAccessExplanation, scope: string): boolean {
  return (access.scopes as string[]).includes(scope);
}

/** A stack's settings tab: tags, access by team, and why the person has the access they have. */
@Injectable()
export class ConsoleStackSettingsService {
  constructor(
    private readonly console: ConsoleApiService,
    @Inject(API_CALLER) private readonly api: ApiCaller,
  ) {}

  async settings(request: BrowserRequest, ref: StackRef): Promise<StackSettings> {
    const token = await this.console.apiTokenFor(request);
    const path = stackPath(ref);
    const [stack, teams, access] = await Promise.all([
      this.api.get<StackResponse>(path, token, request.requestId),
      this.api.get<StackTeamGrantsResponse>(`${path}/teams`, token, request.requestId),
      this.api.get<StackAccessExplanation>(`${path}/access`, token, request.requestId),
    ]);
    return { tags: stack.tags ?? {}, teams: teams.teams, access, canManageAccess: allowed(access, 'stack:access'), canChangeTags: allowed(access, 'stack:update') };
  }

  async addTag(request: BrowserRequest, ref: StackRef, body: unknown): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the tag as application/json');
    const tag = (typeof body === 'object' && body !== null ? body : {}) as { name?: unknown; value?: unknown };
    if (typeof tag.name !== 'string' || !NEW_TAG_NAME.test(tag.name)) throw ApiError.badRequest('the tag name must be 1 to 100 letters, digits or _ . : / -');
    if (typeof tag.value !== 'string' || tag.value.length > MAX_TAG_VALUE) throw ApiError.badRequest(`the tag value must be text of at most ${MAX_TAG_VALUE} characters`);
    await this.api.post<unknown>(`${stackPath(ref)}/tags`, { name: tag.name, value: tag.value }, token, request.requestId);
  }

  async removeTag(request: BrowserRequest, ref: StackRef, name: string): Promise<void> {
    if (!EXISTING_TAG_NAME.test(name)) throw ApiError.badRequest('the tag name must be 1 to 1000 printable characters');
    const token = await this.console.changeTokenFor(request);
    await this.api.delete(`${stackPath(ref)}/tags/${encodeURIComponent(name)}`, token, request.requestId);
  }

  /** One team's level on the stack; 0 removes the team's grant (the api's console route). */
  async setTeamPermission(request: BrowserRequest, ref: StackRef, team: string, body: unknown): Promise<void> {
    if (!NAME.test(team)) throw ApiError.badRequest("the team name must be 1 to 100 letters, digits, '_', '.' or '-'");
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the permission as application/json');
    const permission = (typeof body === 'object' && body !== null ? body : {}) as { permission?: unknown };
    if (typeof permission.permission !== 'number' || !LEVELS.has(permission.permission)) throw ApiError.badRequest('permission must be 0 (none), 101 (Read), 102 (Write) or 103 (Admin)');
    await this.api.patch<unknown>(`/api/console/stacks/${encodeURIComponent(ref.org)}/${encodeURIComponent(ref.project)}/${encodeURIComponent(ref.stack)}/teams/${encodeURIComponent(team)}`, { permissions: permission.permission }, token, request.requestId);
  }

  /** The stack's resources as a tree, secrets masked. */
  async resources(request: BrowserRequest, ref: StackRef): Promise<{ resources: StackResourceNode[] }> {
    const token = await this.console.apiTokenFor(request);
    const exported = await this.api.get<UntypedDeployment>(`${stackPath(ref)}/export`, token, request.requestId);
    return { resources: stackResourceTree(exported.deployment) };
  }
}
