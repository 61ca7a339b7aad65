import { Controller, Get, Req, Res, UseFilters } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { BrowserErrorFilter } from './browser-error.filter';
import { type IncomingBrowserRequest, readBrowserRequest } from './browser-request';
import { sendBrowserResult } from './browser-result';
import { CliLoginService } from './cli-login.service';

@Controller()
@UseFilters(BrowserErrorFilter)
export class CliLoginController {
  constructor(private readonly cliLogin: CliLoginService) {}

  @Get('cli-login')
  async start(@Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.cliLogin.cliLogin(readBrowserRequest(req)));
  }

  @Get('welcome/cli')
  welcome(@Res() res: ServerResponse): void {
    sendBrowserResult(res, this.cliLogin.welcome());
  }
}
