import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { AccessTokenListItem, CreateAccessTokenResponse } from '@stackyard/shared-contracts';
import { type IncomingBrowserRequest, readBrowserRequest } from '@stackyard/console-feature-sign-in';
import { ConsoleMachineTokensService } from './console-machine-tokens.service';
import { checkedOrg, checkedTeam } from './console-org.service';

/** The console's JSON for organization and team access tokens. */
@Controller('console/api/orgs/:org')
export class ConsoleMachineTokensController {
  constructor(private readonly tokens: ConsoleMachineTokensService) {}

  @Get('tokens')
  @Header('Cache-Control', 'no-store')
  organizationTokens(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<{ tokens: AccessTokenListItem[] }> {
    return this.tokens.list(readBrowserRequest(req), { kind: 'organization', org: checkedOrg(org) });
  }

  @Post('tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  createOrganizationToken(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.tokens.create(readBrowserRequest(req), { kind: 'organization', org: checkedOrg(org) }, body);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(204)
  revokeOrganizationToken(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('tokenId') tokenId: string): Promise<void> {
    return this.tokens.revoke(readBrowserRequest(req), { kind: 'organization', org: checkedOrg(org) }, tokenId);
  }

  @Get('teams/:team/tokens')
  @Header('Cache-Control', 'no-store')
  teamTokens(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string): Promise<{ tokens: AccessTokenListItem[] }> {
    return this.tokens.list(readBrowserRequest(req), { kind: 'team', org: checkedOrg(org), team: checkedTeam(team) });
  }

  @Post('teams/:team/tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  createTeamToken(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string, @Body() body: unknown): Promise<CreateAccessTokenResponse> {
    return this.tokens.create(readBrowserRequest(req), { kind: 'team', org: checkedOrg(org), team: checkedTeam(team) }, body);
  }

  @Delete('teams/:team/tokens/:tokenId')
  @HttpCode(204)
  revokeTeamToken(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('team') team: string, @Param('tokenId') tokenId: string): Promise<void> {
    return this.tokens.revoke(readBrowserRequest(req), { kind: 'team', org: checkedOrg(org), team: checkedTeam(team) }, tokenId);
  }
}
