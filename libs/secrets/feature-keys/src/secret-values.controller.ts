import type { TLSSocket } from 'node:tls';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { DecryptValuesResponse, EncryptValuesResponse, ObjectKeyResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { peerServiceName } from '@stackyard/shared-tls';
import { ObjectKeyService } from './object-key.service';
import { SecretValuesService } from './secret-values.service';

/** The only peer that may fetch object-storage keys: the api, which alone stores objects. */
export const OBJECT_KEY_PEERS: readonly string[] = ['api'];

/** Internal only: the listener admits mutually authenticated api/identity/console-backend peers. */
@Controller('internal/v1/stacks/:stackId')
export class SecretValuesController {
  constructor(
    private readonly values: SecretValuesService,
    private readonly objectKeys: ObjectKeyService,
  ) {}

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

  /** The answer carries key material: it is never logged, and only the api may ask. */
  @Post('object-key')
  @HttpCode(200)
  objectKey(@Param('stackId') stackId: string, @Body() body: unknown, @Req() req: Request): Promise<ObjectKeyResponse> {
    const peer = peerServiceName(req.socket as TLSSocket);
    if (!peer || !OBJECT_KEY_PEERS.includes(peer)) {
      throw ApiError.forbidden(`object-storage keys are for the api only (caller: ${peer ?? 'unknown'})`);
    }
    return this.objectKeys.derive(stackId, body);
  }
}
