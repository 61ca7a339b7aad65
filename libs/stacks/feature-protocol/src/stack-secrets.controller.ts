import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { Principal } from '@stackyard/shared-contracts';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { TokenOrUpdateTokenAuth } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';
import { StackAccessService, type StackRef } from './stack-access.service';
import { RequestId, StackPath } from './stack-params';
import { StackSecretsService } from './stack-secrets.service';

/** The service secrets manager's endpoints (pulumi-protocol.md §2.3). */
@Controller('api/stacks/:org/:project/:stack')
@TokenOrUpdateTokenAuth()
export class StackSecretsController {
  constructor(
    private readonly access: StackAccessService,
    private readonly secrets: StackSecretsService,
  ) {}

  @Post('encrypt')
  @HttpCode(200)
  async encrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.encrypt(await this.stack(req, ref), body, rid);
  }

  @Post('decrypt')
  @HttpCode(200)
  async decrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.decrypt(await this.stack(req, ref), body, auditActor(req), rid);
  }

  @Post('batch-encrypt')
  @HttpCode(200)
  async batchEncrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.batchEncrypt(await this.stack(req, ref), body, rid);
  }

  @Post('batch-decrypt')
  @HttpCode(200)
  async batchDecrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.batchDecrypt(await this.stack(req, ref), body, auditActor(req), rid);
  }

  @Post('decrypt/log-decryption')
  @HttpCode(200)
  async logDecryption(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown): Promise<Record<string, never>> {
    this.secrets.logDecryption(req.principal, await this.stack(req, ref), body, 'secretName');
    return {};
  }

  @Post('decrypt/log-batch-decryption')
  @HttpCode(200)
  async logBatchDecryption(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown): Promise<Record<string, never>> {
    this.secrets.logDecryption(req.principal, await this.stack(req, ref), body, 'commandName');
    return {};
  }

  /** With an access token the caller must see the stack; with an update token the guard already tied it to this stack. */
  private async stack(req: AuthenticatedRequest, ref: StackRef): Promise<StackEntity> {
    if (req.lease) return req.lease.stack;
    return this.access.find(req.principal as Principal, ref);
  }
}

/** Who a decrypt is for: the user, or the update whose token made the call (the engine, mid-update). */
function auditActor(req: AuthenticatedRequest): string {
  if (req.lease) return `update:${req.lease.update.id}`;
  return req.principal?.login ?? 'unknown';
}
