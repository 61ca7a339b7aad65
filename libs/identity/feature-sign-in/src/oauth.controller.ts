import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { OAuthStartResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ConsolePeerGuard } from './console-peer.guard';
import { OAuthSignInService } from './oauth-sign-in.service';

/** Internal only, for the console backend (see ConsolePeerGuard). Paths: contracts/internal.ts. */
@Controller()
@UseGuards(ConsolePeerGuard)
export class OAuthController {
  constructor(private readonly signIn: OAuthSignInService) {}

  @Post('/internal/v1/sign-in/oauth/:methodId/start')
  @HttpCode(200)
  start(@Param('methodId') methodId: string): Promise<OAuthStartResponse> {
    return this.signIn.start(methodId);
  }

  @Post('/internal/v1/sign-in/oauth/:methodId/callback')
  @HttpCode(200)
  callback(@Param('methodId') methodId: string, @Body() body: unknown): Promise<SignInResponse> {
    return this.signIn.callback(methodId, body);
  }
}
