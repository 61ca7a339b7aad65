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

function requireJson(request: BrowserRequest): void {
  if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the request as application/json');
}

/** One text field of a JSON body, or a 400 saying what is missing. */
function textField(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') throw ApiError.badRequest(`'${name}' must be given as text`);
  return value;
}

/** What the rename form sends: the new stack name only (the project stays). */
export function renameOf(body: unknown): { newName: string } {
  const newName = textField(body, 'newName');
  if (!NAME.test(newName)) throw ApiError.badRequest("the new name must be 1 to 100 letters, digits, '_', '.' or '-'");
  return { newName };
}

/** What the transfer form sends: the organization to move the stack to. */
export function transferOf(body: unknown): { toOrg: string } {
  const toOrg = textField(body, 'toOrg');
  if (!NAME.test(toOrg)) throw ApiError.badRequest("the organization name must be 1 to 100 letters, digits, '_', '.' or '-'");
  return { toOrg };
}

/** What the delete form sends: the stack's name typed to confirm, and whether to force. */
export function deletionOf(ref: StackRef, body: unknown): { force: boolean } {
  if (textField(body, 'confirm') !== ref.stack) throw ApiError.badRequest(`type the stack's name, ${ref.stack}, to confirm its deletion`);
  const force = (body as { force?: unknown }).force;
  if (force !== undefined && typeof force !== 'boolean') throw ApiError.badRequest('force must be true or false');
  return { force: force === true };
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

  /** Renames the stack within its project (the api's `…/rename`, Admin); answers where it is now. */
  async rename(request: BrowserRequest, ref: StackRef, body: unknown): Promise<StackRef> {
    const token = await this.console.changeTokenFor(request);
    requireJson(request);
    const { newName } = renameOf(body);
    await this.api.post<unknown>(`${stackPath(ref)}/rename`, { newName }, token, request.requestId);
    return { ...ref, stack: newName };
  }

  /** Moves the stack to another organization (the api's `…/transfer`: Admin here, may create stacks there). */
  async transfer(request: BrowserRequest, ref: StackRef, body: unknown): Promise<StackRef> {
    const token = await this.console.changeTokenFor(request);
    requireJson(request);
    const { toOrg } = transferOf(body);
    await this.api.post<unknown>(`${stackPath(ref)}/transfer`, { toOrg }, token, request.requestId);
    return { ...ref, org: toOrg };
  }

  /**
   * Deletes the stack once the person typed its name; `force` also deletes one that still has
   * resources (the api refuses otherwise, and its message says so).
   */
  async delete(request: BrowserRequest, ref: StackRef, body: unknown): Promise<void> {
    const token = await this.console.changeTokenFor(request);
    requireJson(request);
    const { force } = deletionOf(ref, body);
    await this.api.delete(`${stackPath(ref)}${force ? '?force=true' : ''}`, token, request.requestId);
  }

  /** The stack's resources as a tree, secrets masked. */
  async resources(request: BrowserRequest, ref: StackRef): Promise<{ resources: StackResourceNode[] }> {
    const token = await this.console.apiTokenFor(request);
    const exported = await this.api.get<UntypedDeployment>(`${stackPath(ref)}/export`, token, request.requestId);
    return { resources: stackResourceTree(exported.deployment) };
  }
}
