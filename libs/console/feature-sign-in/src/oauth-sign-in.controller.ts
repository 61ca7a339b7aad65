import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { BrowserErrorFilter } from './browser-error.filter';
import { type IncomingBrowserRequest, readBrowserRequest } from './browser-request';
import { sendBrowserResult } from './browser-result';
import { OAuthSignInService } from './oauth-sign-in.service';

/** GitHub Enterprise / GitLab / Bitbucket Data Center sign-in on the console host. */
@Controller()
@UseFilters(BrowserErrorFilter)
export class OAuthSignInController {
  constructor(private readonly oauth: OAuthSignInService) {}

  @Get('login/oauth/:methodId')
  async start(@Param('methodId') methodId: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.oauth.start(readBrowserRequest(req), methodId));
  }

  @Get('login/oauth/:methodId/callback')
  async callback(@Param('methodId') methodId: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.oauth.callback(readBrowserRequest(req), methodId));
  }
}
