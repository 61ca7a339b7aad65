import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  type AccessTokenOwner,
  type CreateAccessTokenResponse,
  IDENTITY_ACCESS_TOKENS_CREATE_PATH,
  IDENTITY_ACCESS_TOKENS_LIST_PATH,
  IDENTITY_ACCESS_TOKENS_REVOKE_PATH,
  type ListAccessTokensResponse,
} from '@stackyard/shared-contracts';
import { DecidedByIdentity } from './auth.decorators';
import { MachineIdentityGateway } from './machine-identity.gateway';
import type { AuthenticatedRequest } from './request-context';

/** `?show_expired=true` (older Pulumi docs) or `?filter=all` also lists tokens that have expired. */
function includeExpired(query: Record<string, string | undefined>): boolean {
  return query['show_expired'] === 'true' || query['filter'] === 'all';
}

/**
 * Pulumi's REST routes for personal, organization and team access tokens
 * (pulumi-cloud-selfhosted.md §3.2, §3.4, §3.5). Identity checks and stores; tokens are shown once.
 */
@Controller('api')
@DecidedByIdentity()
export class AccessTokensController {
  constructor(private readonly gateway: MachineIdentityGateway) {}

  @Get('user/tokens')
  listPersonal(@Req() req: AuthenticatedRequest, @Query() query: Record<string, string | undefined>): Promise<ListAccessTokensResponse> {
    return this.list(req, { kind: 'personal' }, query);
  }

  @Post('user/tokens')
  @HttpCode(200)
  createPersonal(@Req() req: AuthenticatedRequest, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.create(req, { kind: 'personal' }, body);
  }

  @Delete('user/tokens/:tokenId')
  @HttpCode(204)
  revokePersonal(@Req() req: AuthenticatedRequest, @Param('tokenId') tokenId: string): Promise<void> {
    return this.revoke(req, { kind: 'personal' }, tokenId);
  }

  @Get('orgs/:org/tokens')
  listOrganization(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query() query: Record<string, string | undefined>): Promise<ListAccessTokensResponse> {
    return this.list(req, { kind: 'organization', organization: org }, query);
  }

  @Post('orgs/:org/tokens')
  @HttpCode(200)
  createOrganization(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.create(req, { kind: 'organization', organization: org }, body);
  }

  @Delete('orgs/:org/tokens/:tokenId')
  @HttpCode(204)
  revokeOrganization(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('tokenId') tokenId: string): Promise<void> {
    return this.revoke(req, { kind: 'organization', organization: org }, tokenId);
  }

  @Get('orgs/:org/teams/:team/tokens')
  listTeam(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Query() query: Record<string, string | undefined>): Promise<ListAccessTokensResponse> {
    return this.list(req, { kind: 'team', organization: org, team }, query);
  }

  @Post('orgs/:org/teams/:team/tokens')
  @HttpCode(200)
  createTeam(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.create(req, { kind: 'team', organization: org, team }, body);
  }

  @Delete('orgs/:org/teams/:team/tokens/:tokenId')
  @HttpCode(204)
  revokeTeam(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Param('tokenId') tokenId: string): Promise<void> {
    return this.revoke(req, { kind: 'team', organization: org, team }, tokenId);
  }

  private list(req: AuthenticatedRequest, owner: AccessTokenOwner, query: Record<string, string | undefined>): Promise<ListAccessTokensResponse> {
    return this.gateway.forward(req, IDENTITY_ACCESS_TOKENS_LIST_PATH, { owner, includeExpired: includeExpired(query) });
  }

  private create(req: AuthenticatedRequest, owner: AccessTokenOwner, body: unknown): Promise<CreateAccessTokenResponse> {
    return this.gateway.forward(req, IDENTITY_ACCESS_TOKENS_CREATE_PATH, { owner, request: body ?? {} });
  }

  private async revoke(req: AuthenticatedRequest, owner: AccessTokenOwner, tokenId: string): Promise<void> {
    await this.gateway.forward<unknown>(req, IDENTITY_ACCESS_TOKENS_REVOKE_PATH, { owner, tokenId });
  }
}
