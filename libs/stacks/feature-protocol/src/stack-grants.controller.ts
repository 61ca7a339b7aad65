import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Req } from '@nestjs/common';
import { type AccessOperationRequest, type IdentityAccessOperation, identityAccessPath } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { InternalClient } from '@stackyard/shared-http';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { RequiresStack } from './auth.decorators';
import { actorTokenHash } from './machine-identity.gateway';
import { IDENTITY_CLIENT, PrincipalService } from './principal.service';
import type { AuthenticatedRequest } from './request-context';
import { requireObject, requireString } from './request-validation.util';
import { AuthorizedStack } from './stack-params';

const LEVELS = new Set([0, 101, 102, 103]);

function level(value: unknown, field: string): 0 | 101 | 102 | 103 {
  if (typeof value !== 'number' || !LEVELS.has(value)) throw ApiError.badRequest(`'${field}' must be one of 0 (none), 101 (read), 102 (write), 103 (admin)`);
  return value as 0 | 101 | 102 | 103;
}

/**
 * Who has access to one stack, by team and by person (Pulumi's stack "teams" and legacy
 * "collaborators"). The api decides — reading needs Read, changing needs Admin (`stack:access`) —
 * because it owns the stack; identity stores the grants and checks the names it is given.
 */
@Controller('api')
export class StackGrantsController {
  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    private readonly principals: PrincipalService,
  ) {}

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/teams')
  teams(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity): Promise<unknown> {
    return this.forward(req, stack, 'stack-grants/teams/list', {});
  }

  /** Pulumi's console route: one team's level on this stack (`permissions: 0` removes the grant). */
  @RequiresStack('stack:access')
  @Patch('console/stacks/:org/:project/:stack/teams/:team')
  @HttpCode(204)
  async setTeam(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('team') team: string, @Body() body: unknown): Promise<void> {
    const permission = level(requireObject(body)['permissions'], 'permissions');
    await this.change(req, stack, 'stack-grants/teams/set', { team, permission });
  }

  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/collaborators')
  async collaborators(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity): Promise<Record<string, unknown>> {
    const listed = (await this.forward(req, stack, 'stack-grants/users/list', {})) as Record<string, unknown>;
    return { ...listed, stackCreatorUserName: stack.createdBy };
  }

  @RequiresStack('stack:access')
  @Post('stacks/:org/:project/:stack/collaborators')
  @HttpCode(204)
  async addCollaborator(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Body() body: unknown): Promise<void> {
    const request = requireObject(body);
    const login = requireString(request, 'name', 100);
    const permission = level(request['permission'], 'permission');
    await this.change(req, stack, 'stack-grants/users/set', { login, permission });
  }

  @RequiresStack('stack:access')
  @Patch('stacks/:org/:project/:stack/collaborators/:login')
  @HttpCode(204)
  async updateCollaborator(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('login') login: string, @Body() body: unknown): Promise<void> {
    const permission = level(requireObject(body)['permission'], 'permission');
    await this.change(req, stack, 'stack-grants/users/set', { login, permission });
  }

  @RequiresStack('stack:access')
  @Delete('stacks/:org/:project/:stack/collaborators/:login')
  @HttpCode(204)
  async removeCollaborator(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('login') login: string): Promise<void> {
    await this.change(req, stack, 'stack-grants/users/set', { login, permission: 0 });
  }

  private forward(req: AuthenticatedRequest, stack: StackEntity, operation: IdentityAccessOperation, extra: Partial<AccessOperationRequest>): Promise<unknown> {
    const body: AccessOperationRequest = { actorTokenHash: actorTokenHash(req), project: stack.projectName, stack: stack.stackName, ...extra };
    return this.identity.post<unknown>(identityAccessPath(stack.orgName, operation), body, req.requestId);
  }

  private async change(req: AuthenticatedRequest, stack: StackEntity, operation: IdentityAccessOperation, extra: Partial<AccessOperationRequest>): Promise<void> {
    await this.forward(req, stack, operation, extra);
    // Access changed: the next request anywhere on this api must see it (identity records the audit event).
    this.principals.forgetAll();
  }
}
