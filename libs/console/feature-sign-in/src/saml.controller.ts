import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { BrowserErrorFilter } from './browser-error.filter';
import { type IncomingBrowserRequest, readBrowserRequest } from './browser-request';
import { sendBrowserResult, sendXmlDocument } from './browser-result';
import { SamlSignInService } from './saml-sign-in.service';

/** The media type of SAML metadata (SAML metadata §4.1.1). */
const SAML_METADATA_TYPE = 'application/samlmetadata+xml';

/** SAML sign-in and each organization's service provider endpoints on the console host. */
@Controller()
@UseFilters(BrowserErrorFilter)
export class SamlController {
  constructor(private readonly saml: SamlSignInService) {}

  @Get('login/saml/:org')
  async start(@Param('org') org: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.saml.start(readBrowserRequest(req), org));
  }

  @Post('saml/:org/acs')
  async acs(@Param('org') org: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.saml.acs(readBrowserRequest(req), org));
  }

  /** The entity ID resolves to the metadata, as SAML metadata §4.1 recommends. */
  @Get('saml/:org')
  async entity(@Param('org') org: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendXmlDocument(res, SAML_METADATA_TYPE, await this.saml.metadata(readBrowserRequest(req), org));
  }

  @Get('saml/:org/metadata')
  async metadata(@Param('org') org: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendXmlDocument(res, SAML_METADATA_TYPE, await this.saml.metadata(readBrowserRequest(req), org));
  }
}
