import { Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { BrowserErrorFilter } from './browser-error.filter';
import { type IncomingBrowserRequest, readBrowserRequest } from './browser-request';
import { sendBrowserResult } from './browser-result';
import { SignInService } from './sign-in.service';

@Controller()
@UseFilters(BrowserErrorFilter)
export class SignInController {
  constructor(private readonly signIn: SignInService) {}

  @Get()
  async home(@Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.signIn.home(readBrowserRequest(req)));
  }

  @Get('login')
  async loginPage(@Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.signIn.loginPage(readBrowserRequest(req)));
  }

  @Post('login/directory/:methodId')
  async directorySignIn(@Param('methodId') methodId: string, @Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.signIn.directorySignIn(readBrowserRequest(req), methodId));
  }

  @Post('logout')
  async signOut(@Req() req: IncomingBrowserRequest, @Res() res: ServerResponse): Promise<void> {
    sendBrowserResult(res, await this.signIn.signOut(readBrowserRequest(req)));
  }
}
