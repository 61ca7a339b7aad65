import { Body, Controller, Get, Header, Param, Put, Req } from '@nestjs/common';
import type { SamlConfigResponse } from '@stackyard/shared-contracts';
import { type IncomingBrowserRequest, readBrowserRequest } from './browser-request';
import { OrganizationSamlService } from './organization-saml.service';

/** JSON for the web console: errors keep the services' `{code, message}` shape (no page filter here). */
@Controller('api/console/orgs/:org/saml')
export class OrganizationSamlController {
  constructor(private readonly saml: OrganizationSamlService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  describe(@Param('org') org: string, @Req() req: IncomingBrowserRequest): Promise<SamlConfigResponse> {
    return this.saml.describe(readBrowserRequest(req), org);
  }

  @Put()
  @Header('Cache-Control', 'no-store')
  update(@Param('org') org: string, @Req() req: IncomingBrowserRequest, @Body() body: unknown): Promise<SamlConfigResponse> {
    return this.saml.update(readBrowserRequest(req), org, body);
  }
}
