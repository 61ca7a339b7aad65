import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { IDENTITY_SESSION_API_TOKEN_PATH, type SessionApiTokenResponse } from '@stackyard/shared-contracts';
import { ConsoleApiTokenService } from './console-api-token.service';
import { ConsolePeerGuard } from './console-peer.guard';

/** Internal only, for the console backend: the token it calls the api with for a session. */
@Controller()
@UseGuards(ConsolePeerGuard)
export class ConsoleApiTokenController {
  constructor(private readonly tokens: ConsoleApiTokenService) {}

  @Post(IDENTITY_SESSION_API_TOKEN_PATH)
  @HttpCode(200)
  apiToken(@Body() body: unknown): Promise<SessionApiTokenResponse> {
    return this.tokens.tokenFor(body);
  }
}
