import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { CreateScimTokenResponse, ScimRelayResponse, ScimTokenStatusResponse } from '@stackyard/shared-contracts';
import { ApiPeerGuard } from './api-peer.guard';
import { ScimRelayService } from './scim-relay.service';
import { ScimTokenService } from './scim-token.service';

/**
 * Internal only, for the api (see ApiPeerGuard): the SCIM requests it relays from
 * `/scim/v2/{org}/…`, and the organization's SCIM token, which the api lets an organization admin
 * rotate, inspect and revoke. Paths: contracts/scim.ts.
 */
@Controller()
@UseGuards(ApiPeerGuard)
export class ScimController {
  constructor(
    private readonly relay: ScimRelayService,
    private readonly tokens: ScimTokenService,
  ) {}

  @Post('/internal/v1/scim/:org/requests')
  @HttpCode(200)
  handle(@Param('org') org: string, @Body() body: unknown, @Req() req: { requestId?: string }): Promise<ScimRelayResponse> {
    return this.relay.handle(org, body, req.requestId);
  }

  @Post('/internal/v1/orgs/:org/scim/token')
  @HttpCode(201)
  createToken(@Param('org') org: string, @Body() body: unknown): Promise<CreateScimTokenResponse> {
    return this.tokens.create(org, body);
  }

  @Get('/internal/v1/orgs/:org/scim/token')
  tokenStatus(@Param('org') org: string): Promise<ScimTokenStatusResponse> {
    return this.tokens.status(org);
  }

  /** DELETE carries no body here, so who asked comes as `?actor=<login>`. */
  @Delete('/internal/v1/orgs/:org/scim/token')
  @HttpCode(204)
  revokeToken(@Param('org') org: string, @Query('actor') actor: unknown): Promise<void> {
    return this.tokens.revoke(org, actor);
  }
}
