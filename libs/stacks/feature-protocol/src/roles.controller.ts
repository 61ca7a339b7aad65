import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { ListRolesResponse, RoleHoldersResponse, RoleRecordResponse, RoleScopesResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { StackRepository } from '@stackyard/stacks-data-access';
import { AccessGateway } from './access.gateway';
import { DecidedByIdentity } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';

/** Stack ids a descriptor tree may name at most (each one is a lookup). */
const MAX_NAMED_STACKS = 100;

/**
 * Pulumi's custom-role routes (pulumi-cloud-selfhosted.md §3.5) as the `@pulumi/pulumiservice`
 * provider calls them (provider/pkg/pulumiapi/roles.go). Identity owns roles and decides; the api
 * resolves the stack ids a descriptor tree names (`PermissionLiteralExpressionStack.identity`),
 * because it owns stacks.
 */
@Controller('api')
@DecidedByIdentity()
export class RolesController {
  constructor(
    private readonly access: AccessGateway,
    private readonly stacks: StackRepository,
  ) {}

  @Get('orgs/:org/roles')
  list(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query('uxPurpose') uxPurpose?: string): Promise<ListRolesResponse> {
    return this.access.read(req, org, 'roles/list', uxPurpose ? { uxPurpose } : {});
  }

  /** Declared before `roles/:roleId` so that `scopes` is not taken for a role id. */
  @Get('orgs/:org/roles/scopes')
  scopes(@Req() req: AuthenticatedRequest, @Param('org') org: string): Promise<RoleScopesResponse> {
    return this.access.read(req, org, 'roles/scopes');
  }

  @Post('orgs/:org/roles')
  @HttpCode(200)
  async create(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Body() body: unknown): Promise<RoleRecordResponse> {
    return this.access.change(req, org, 'roles/create', { request: body ?? {}, stackNames: await this.stackNames(org, body) });
  }

  @Get('orgs/:org/roles/:roleId')
  get(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string): Promise<RoleRecordResponse> {
    return this.access.read(req, org, 'roles/get', { roleId });
  }

  @Patch('orgs/:org/roles/:roleId')
  async update(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string, @Body() body: unknown): Promise<RoleRecordResponse> {
    return this.access.change(req, org, 'roles/update', { roleId, request: body ?? {}, stackNames: await this.stackNames(org, body) });
  }

  @Delete('orgs/:org/roles/:roleId')
  @HttpCode(204)
  async delete(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string, @Query('force') force?: string): Promise<void> {
    await this.access.change(req, org, 'roles/delete', { roleId, force: force === 'true' });
  }

  @Get('orgs/:org/roles/:roleId/users')
  users(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string): Promise<RoleHoldersResponse> {
    return this.access.read(req, org, 'roles/holders', { roleId, holders: 'users' });
  }

  @Get('orgs/:org/roles/:roleId/teams')
  teams(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string): Promise<RoleHoldersResponse> {
    return this.access.read(req, org, 'roles/holders', { roleId, holders: 'teams' });
  }

  @Get('orgs/:org/roles/:roleId/tokens')
  tokens(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('roleId') roleId: string): Promise<RoleHoldersResponse> {
    return this.access.read(req, org, 'roles/holders', { roleId, holders: 'tokens' });
  }

  /** The stacks of this organization that the descriptor tree names by id (others are identity's to refuse). */
  private async stackNames(org: string, body: unknown): Promise<Record<string, { project: string; stack: string }>> {
    const details = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['details'] : undefined;
    const ids = new Set<string>();
    collectStackIdentities(details, ids, 0);
    if (ids.size > MAX_NAMED_STACKS) throw ApiError.badRequest(`a role may name at most ${MAX_NAMED_STACKS} stacks`);
    const names: Record<string, { project: string; stack: string }> = {};
    for (const id of ids) {
      const stack = id.length <= 64 ? await this.stacks.findById(id) : null;
      if (stack && stack.orgName === org) names[id] = { project: stack.projectName, stack: stack.stackName };
    }
    return names;
  }
}

function collectStackIdentities(node: unknown, into: Set<string>, depth: number): void {
  if (depth > 32 || typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const child of node) collectStackIdentities(child, into, depth + 1);
    return;
  }
  const record = node as Record<string, unknown>;
  if (record['__type'] === 'PermissionLiteralExpressionStack' && typeof record['identity'] === 'string' && !record['identity'].includes('/')) into.add(record['identity']);
  for (const value of Object.values(record)) collectStackIdentities(value, into, depth + 1);
}
