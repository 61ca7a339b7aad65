import { Injectable, Logger } from '@nestjs/common';
import {
  GROUP_DEFINITION,
  type JsonObject,
  type ListQuery,
  listResponse,
  parseAttributeList,
  parseListQuery,
  projectResource,
  RESOURCE_DEFINITIONS,
  resourceTypeDocument,
  schemaDocument,
  ScimError,
  type ScimResourceDefinition,
  SEARCH_REQUEST_SCHEMA,
  serviceProviderConfig,
  USER_DEFINITION,
} from '@stackyard/identity-scim';
import type { ScimRelayRequest, ScimRelayResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { parseJsonBody } from '@stackyard/shared-http';
import { ScimGroupsService } from './scim-groups.service';
import type { ScimReply, ScimRequestContext } from './scim-request';
import { ScimTokenService } from './scim-token.service';
import { ScimUsersService } from './scim-users.service';

/** Largest SCIM body the api relays (a group PUT with thousands of members fits). */
export const MAX_SCIM_BODY_BYTES = 2 * 1024 * 1024;
/** The relay call carries the body as a JSON string: escaping can grow it, so identity allows more. */
export const MAX_SCIM_RELAY_BYTES = 4 * MAX_SCIM_BODY_BYTES + 64 * 1024;
export const SCIM_RELAY_ROUTE = /^\/internal\/v1\/scim\/[^/]+\/requests$/;

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface ResourceService {
  create(context: ScimRequestContext, body: unknown): Promise<ScimReply>;
  get(context: ScimRequestContext, id: string): Promise<ScimReply>;
  list(context: ScimRequestContext, query: ListQuery): Promise<ScimReply>;
  replace(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply>;
  patch(context: ScimRequestContext, id: string, body: unknown): Promise<ScimReply>;
  delete(context: ScimRequestContext, id: string): Promise<ScimReply>;
}

/**
 * Answers one SCIM request the api relayed: the organization's token first, then the route
 * (RFC 7644 §3: discovery, Users, Groups; Bulk, /Me and root searches are not offered). Every
 * refusal — bad token, bad input, missing resource — is a SCIM error answer, never a 500.
 */
@Injectable()
export class ScimRelayService {
  private readonly logger = new Logger(ScimRelayService.name);

  constructor(
    private readonly tokens: ScimTokenService,
    private readonly users: ScimUsersService,
    private readonly groups: ScimGroupsService,
  ) {}

  async handle(organization: string, body: unknown, requestId?: string): Promise<ScimRelayResponse> {
    const request = parseRelayRequest(body);
    try {
      const org = await this.tokens.authenticate(organization, request.tokenHash, request.sourceIp);
      return await this.route({ organization: org, baseUrl: request.baseUrl, projection: {} }, request);
    } catch (error) {
      if (error instanceof ScimError) return { status: error.status, body: error.toBody() };
      this.logger.error(`SCIM ${request.method} ${request.path} for '${organization.slice(0, 64)}' failed (request ${requestId ?? '-'}): ${(error as Error)?.stack ?? String(error)}`);
      return { status: 500, body: new ScimError(500, `an internal error occurred (request id ${requestId ?? 'unknown'})`).toBody() };
    }
  }

  private async route(context: ScimRequestContext, request: ScimRelayRequest): Promise<ScimRelayResponse> {
    const segments = pathSegments(request.path);
    const [first, second, ...rest] = segments;
    const method = request.method;
    if (rest.length > 0 || first === undefined) throw ScimError.notFound(`no SCIM endpoint at '${request.path.slice(0, 200)}'`);
    switch (first) {
      case 'ServiceProviderConfig':
        onlyGet(method, first);
        if (second !== undefined) throw ScimError.notFound('no such ServiceProviderConfig');
        return { status: 200, body: serviceProviderConfig(context.baseUrl) };
      case 'ResourceTypes':
        onlyGet(method, first);
        return { status: 200, body: discovery(second, RESOURCE_DEFINITIONS, (d) => d.name, (d) => resourceTypeDocument(d, context.baseUrl), 'ResourceType') };
      case 'Schemas':
        onlyGet(method, first);
        return { status: 200, body: discovery(second, RESOURCE_DEFINITIONS, (d) => d.schema, (d) => schemaDocument(d, context.baseUrl), 'Schema') };
      case 'Users':
        return this.resource(this.users, USER_DEFINITION, context, request, second);
      case 'Groups':
        return this.resource(this.groups, GROUP_DEFINITION, context, request, second);
      case '.search':
        if (second !== undefined) break;
        if (method !== 'POST') throw ScimError.methodNotAllowed(`${method} is not allowed on /.search; use POST`);
        return this.searchEverything(context, request);
      case 'Bulk':
      case 'Me':
        if (second !== undefined) break;
        throw ScimError.notImplemented(`${first} is not supported by Stackyard (see /ServiceProviderConfig); use the Users and Groups endpoints`);
    }
    throw ScimError.notFound(`no SCIM endpoint at '${request.path.slice(0, 200)}'`);
  }

  private async resource(service: ResourceService, definition: ScimResourceDefinition, base: ScimRequestContext, request: ScimRelayRequest, id: string | undefined): Promise<ScimReply> {
    const context: ScimRequestContext = { ...base, projection: projection(definition, request.query) };
    const method = request.method;
    if (id === undefined) {
      if (method === 'GET') return service.list(context, parseListQuery(definition, request.query));
      if (method === 'POST') return service.create(context, requestBody(request));
      throw ScimError.methodNotAllowed(`${method} is not allowed on ${definition.endpoint}; use GET or POST`);
    }
    if (id === '.search') {
      if (method !== 'POST') throw ScimError.methodNotAllowed(`${method} is not allowed on ${definition.endpoint}/.search; use POST`);
      return service.list(context, parseListQuery(definition, searchRequest(requestBody(request))));
    }
    switch (method) {
      case 'GET':
        return service.get(context, id);
      case 'PUT':
        return service.replace(context, id, requestBody(request));
      case 'PATCH':
        return service.patch(context, id, requestBody(request));
      case 'DELETE':
        return service.delete(context, id);
      default:
        throw ScimError.methodNotAllowed(`${method} is not allowed on ${definition.endpoint}/{id}`);
    }
  }

  /**
   * `POST /.search` (RFC 7644 §3.4.3): Users, then Groups, as one list. A filter naming attributes
   * only one of them has searches that one; a filter neither can read is refused.
   */
  private async searchEverything(context: ScimRequestContext, request: ScimRelayRequest): Promise<ScimReply> {
    const parameters = searchRequest(requestBody(request));
    const parts: Array<{ query: ListQuery; resources: JsonObject[] }> = [];
    let refusal: ScimError | undefined;
    for (const [definition, service] of [
      [USER_DEFINITION, this.users],
      [GROUP_DEFINITION, this.groups],
    ] as const) {
      let query: ListQuery;
      try {
        query = parseListQuery(definition, parameters);
      } catch (error) {
        if (!(error instanceof ScimError) || error.scimType !== 'invalidFilter') throw error;
        refusal ??= error;
        continue;
      }
      parts.push({ query, resources: await service.matching(context, query.filter) });
    }
    if (parts.length === 0) throw refusal ?? ScimError.badRequest('invalidFilter', 'the filter applies to no resource type');
    const { startIndex, count } = parts[0].query;
    const all = parts.flatMap(({ query, resources }) => resources.map((resource) => projectResource(resource, query.attributes, query.excludedAttributes)));
    return { status: 200, body: listResponse(all.slice(startIndex - 1, startIndex - 1 + count), all.length, startIndex) };
  }
}

function parseRelayRequest(body: unknown): ScimRelayRequest {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const method = typeof raw['method'] === 'string' ? raw['method'].toUpperCase() : '';
  const path = typeof raw['path'] === 'string' ? raw['path'] : null;
  const baseUrl = typeof raw['baseUrl'] === 'string' ? raw['baseUrl'] : '';
  const query = raw['query'] && typeof raw['query'] === 'object' && !Array.isArray(raw['query']) ? (raw['query'] as Record<string, unknown>) : {};
  const tokenHash = raw['tokenHash'];
  // A malformed relay call is the api's bug, not the SCIM client's: a plain 400.
  if (!METHODS.has(method) || path === null || !/^https?:\/\/[^\s]+$/.test(baseUrl) || (tokenHash !== null && typeof tokenHash !== 'string')) {
    throw ApiError.badRequest('a SCIM relay request needs method, path, query, baseUrl and tokenHash');
  }
  const request: ScimRelayRequest = {
    tokenHash,
    method,
    path,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    query: Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    sourceIp: typeof raw['sourceIp'] === 'string' ? raw['sourceIp'].slice(0, 64) : '',
  };
  if (typeof raw['body'] === 'string') request.body = raw['body'];
  return request;
}

function pathSegments(path: string): string[] {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw ScimError.notFound('the path is not valid percent-encoding');
  }
}

function onlyGet(method: string, endpoint: string): void {
  if (method !== 'GET') throw ScimError.methodNotAllowed(`${method} is not allowed on /${endpoint}; it is read-only`);
}

/** `/ResourceTypes` or `/Schemas`: the list, or one entry by id. */
function discovery<T>(id: string | undefined, items: readonly T[], idOf: (item: T) => string, render: (item: T) => Record<string, unknown>, kind: string): Record<string, unknown> {
  if (id === undefined) return listResponse(items.map(render), items.length, 1);
  const item = items.find((candidate) => idOf(candidate) === id);
  if (!item) throw ScimError.notFound(`no ${kind} '${id.slice(0, 200)}'`);
  return render(item);
}

function projection(definition: ScimResourceDefinition, query: Record<string, string>): ScimRequestContext['projection'] {
  const attributes = parseAttributeList(definition, query['attributes']);
  const excludedAttributes = parseAttributeList(definition, query['excludedAttributes']);
  if (attributes && excludedAttributes) throw ScimError.badRequest('invalidValue', 'attributes and excludedAttributes are mutually exclusive');
  return { ...(attributes ? { attributes } : {}), ...(excludedAttributes ? { excludedAttributes } : {}) };
}

function requestBody(request: ScimRelayRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') throw ScimError.badRequest('invalidSyntax', 'the request needs a JSON body');
  try {
    return parseJsonBody(Buffer.from(request.body, 'utf8'));
  } catch (error) {
    if (error instanceof ApiError) throw ScimError.badRequest('invalidSyntax', error.detail);
    throw error;
  }
}

/** A SearchRequest body (RFC 7644 §3.4.3) as list parameters. */
function searchRequest(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ScimError.badRequest('invalidSyntax', 'the request body must be a SearchRequest object');
  const raw = body as Record<string, unknown>;
  const schemas = raw['schemas'];
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST_SCHEMA))) throw ScimError.badRequest('invalidSyntax', `schemas must contain "${SEARCH_REQUEST_SCHEMA}"`);
  return { filter: raw['filter'], startIndex: raw['startIndex'], count: raw['count'], attributes: raw['attributes'], excludedAttributes: raw['excludedAttributes'] };
}
