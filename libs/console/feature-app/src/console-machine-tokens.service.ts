import { Inject, Injectable } from '@nestjs/common';
import type { AccessTokenListItem, CreateAccessTokenResponse, ListAccessTokensResponse } from '@stackyard/shared-contracts';
import type { BrowserRequest } from '@stackyard/console-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { API_CALLER, type ApiCaller } from './api.client';
import { ConsoleApiService } from './console-api.service';

/** Whose tokens: the organization's own, or one team's. */
export type MachineTokenOwner = { kind: 'organization'; org: string } | { kind: 'team'; org: string; team: string };

const TOKEN_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The lifetimes the form offers; the api takes any time up to two years ahead. */
const EXPIRY_DAYS = new Set([0, 7, 30, 90, 365]);
const DAY_SECONDS = 86_400;

function tokensPath(owner: MachineTokenOwner): string {
  const org = `/api/orgs/${encodeURIComponent(owner.org)}`;
  return owner.kind === 'organization' ? `${org}/tokens` : `${org}/teams/${encodeURIComponent(owner.team)}/tokens`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Organization and team access tokens in the console, as the api keeps them (`/api/orgs/{org}/tokens`,
 * `/api/orgs/{org}/teams/{team}/tokens`): the api decides who may see, create and revoke them and
 * audits each change; this only shapes the form's answer into the api's request. A created token's
 * value is in the create answer only.
 */
@Injectable()
export class ConsoleMachineTokensService {
  constructor(
    private readonly console: ConsoleApiService,
    @Inject(API_CALLER) private readonly api: ApiCaller,
  ) {}

  async list(request: BrowserRequest, owner: MachineTokenOwner): Promise<{ tokens: AccessTokenListItem[] }> {
    const token = await this.console.apiTokenFor(request);
    const listed = await this.api.get<ListAccessTokensResponse>(tokensPath(owner), token, request.requestId);
    return { tokens: listed.tokens };
  }

  async create(request: BrowserRequest, owner: MachineTokenOwner, body: unknown, nowMs = Date.now()): Promise<CreateAccessTokenResponse> {
    const token = await this.console.changeTokenFor(request);
    if (request.contentType !== 'application/json') throw ApiError.unsupportedMediaType('send the token request as application/json');
    return this.api.post<CreateAccessTokenResponse>(tokensPath(owner), machineTokenRequest(owner, body, nowMs), token, request.requestId);
  }

  async revoke(request: BrowserRequest, owner: MachineTokenOwner, tokenId: string): Promise<void> {
    if (!TOKEN_ID.test(tokenId)) throw ApiError.badRequest('the token id must be letters, digits and dashes');
    const token = await this.console.changeTokenFor(request);
    await this.api.delete(`${tokensPath(owner)}/${encodeURIComponent(tokenId)}`, token, request.requestId);
  }
}

/**
 * The console form's fields (`name`, `description`, `expiresInDays`, `admin`) as the api's body
 * (`expires` in unix seconds, 0 for never). Name and description rules are the api's; a wrong type
 * is refused here so the api never sees it.
 */
export function machineTokenRequest(owner: MachineTokenOwner, body: unknown, nowMs: number): { name: string; description: string; expires: number; admin?: boolean } {
  if (!isObject(body)) throw ApiError.badRequest('send the token as a JSON object');
  const { name, description, expiresInDays, admin } = body;
  if (typeof name !== 'string') throw ApiError.badRequest('name is required');
  if (description !== undefined && typeof description !== 'string') throw ApiError.badRequest('description must be text');
  const days = expiresInDays ?? 0;
  if (typeof days !== 'number' || !EXPIRY_DAYS.has(days)) throw ApiError.badRequest(`expiresInDays must be one of ${[...EXPIRY_DAYS].join(', ')} (0: never)`);
  if (admin !== undefined && typeof admin !== 'boolean') throw ApiError.badRequest('admin must be true or false');
  if (admin === true && owner.kind !== 'organization') throw ApiError.badRequest('admin applies to organization tokens only');
  const expires = days === 0 ? 0 : Math.floor(nowMs / 1000) + days * DAY_SECONDS;
  return { name, description: description ?? '', expires, ...(owner.kind === 'organization' ? { admin: admin === true } : {}) };
}
