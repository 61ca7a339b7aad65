import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { IDENTITY_RESOLVE_PATH, type Principal } from '@stackyard/shared-contracts';
import { PrincipalService } from './principal.service';

/** Internal only: the service listener admits mutually authenticated api/console-backend peers. */
@Controller()
export class PrincipalController {
  constructor(private readonly principals: PrincipalService) {}

  @Post(IDENTITY_RESOLVE_PATH)
  @HttpCode(200)
  resolve(@Body() body: unknown): Promise<Principal> {
    return this.principals.resolve(body);
  }
}
