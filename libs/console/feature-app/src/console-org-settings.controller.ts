import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { SamlConfigResponse } from '@stackyard/shared-contracts';
import { type IncomingBrowserRequest, readBrowserRequest } from '@stackyard/console-feature-sign-in';
import { checkedOrg } from './console-org.service';
import { checkedLogin, checkedRoleId, ConsoleOrgSettingsService, type MembersPage, type RoleRow, type RolesPage } from './console-org-settings.service';

/** The console's JSON for an organization's settings: members and their roles, custom roles (organization admins). */
@Controller('console/api/orgs/:org/settings')
export class ConsoleOrgSettingsController {
  constructor(private readonly settings: ConsoleOrgSettingsService) {}

  @Get('members')
  @Header('Cache-Control', 'no-store')
  members(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<MembersPage> {
    return this.settings.members(readBrowserRequest(req), checkedOrg(org));
  }

  @Patch('members/:login')
  @HttpCode(204)
  changeRole(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('login') login: string, @Body() body: unknown): Promise<void> {
    return this.settings.changeRole(readBrowserRequest(req), checkedOrg(org), checkedLogin(login), body);
  }

  @Delete('members/:login')
  @HttpCode(204)
  removeMember(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('login') login: string): Promise<void> {
    return this.settings.removeMember(readBrowserRequest(req), checkedOrg(org), checkedLogin(login));
  }

  @Get('roles')
  @Header('Cache-Control', 'no-store')
  roles(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<RolesPage> {
    return this.settings.roles(readBrowserRequest(req), checkedOrg(org));
  }

  @Post('roles')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  createRole(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Body() body: unknown): Promise<RoleRow> {
    return this.settings.createRole(readBrowserRequest(req), checkedOrg(org), body);
  }

  @Delete('roles/:roleId')
  @HttpCode(204)
  deleteRole(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Param('roleId') roleId: string): Promise<void> {
    return this.settings.deleteRole(readBrowserRequest(req), checkedOrg(org), checkedRoleId(roleId));
  }

  @Get('sso')
  @Header('Cache-Control', 'no-store')
  sso(@Req() req: IncomingBrowserRequest, @Param('org') org: string): Promise<SamlConfigResponse> {
    return this.settings.sso(readBrowserRequest(req), checkedOrg(org));
  }

  @Put('sso')
  @Header('Cache-Control', 'no-store')
  changeSso(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Body() body: unknown): Promise<SamlConfigResponse> {
    return this.settings.changeSso(readBrowserRequest(req), checkedOrg(org), body);
  }

  /** A test sign-in: sets the SAML state cookie and answers where the page sends the browser. */
  @Post('sso/test')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async startSsoTest(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Res({ passthrough: true }) res: Response): Promise<{ redirectUrl: string }> {
    const { redirectUrl, cookie } = await this.settings.startSsoTest(readBrowserRequest(req), checkedOrg(org));
    res.append('Set-Cookie', cookie);
    return { redirectUrl };
  }

  /** The SP metadata as a file to hand to the IdP's administrator. */
  @Get('sso/sp-metadata.xml')
  async spMetadata(@Req() req: IncomingBrowserRequest, @Param('org') org: string, @Res() res: Response): Promise<void> {
    const checked = checkedOrg(org);
    const metadata = await this.settings.spMetadata(readBrowserRequest(req), checked);
    const body = Buffer.from(metadata.metadataXml, 'utf8');
    res.set({
      'Content-Type': 'application/samlmetadata+xml',
      'Content-Disposition': `attachment; filename="${checked}-sp-metadata.xml"`,
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.status(200).end(body);
  }
}
