import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { type CreateTokenResponse, TOKENS_PATH } from './token.dto';
import { TokenService } from './token.service';

/** Internal only (operators' admin command, tests): tokens are shown once and stored hashed. */
@Controller(TOKENS_PATH)
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): Promise<CreateTokenResponse> {
    return this.tokens.create(body);
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@Param('id') id: string): Promise<void> {
    return this.tokens.revoke(id);
  }
}
