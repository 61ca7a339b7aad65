import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import type { DecryptValuesResponse, EncryptValuesResponse } from '@stackyard/shared-contracts';
import { SecretValuesService } from './secret-values.service';

/** Internal only: the listener admits mutually authenticated api/identity/console-backend peers. */
@Controller('internal/v1/stacks/:stackId')
export class SecretValuesController {
  constructor(private readonly values: SecretValuesService) {}

  @Post('encrypt')
  @HttpCode(200)
  encrypt(@Param('stackId') stackId: string, @Body() body: unknown): Promise<EncryptValuesResponse> {
    return this.values.encrypt(stackId, body);
  }

  @Post('decrypt')
  @HttpCode(200)
  decrypt(@Param('stackId') stackId: string, @Body() body: unknown): Promise<DecryptValuesResponse> {
    return this.values.decrypt(stackId, body);
  }
}
