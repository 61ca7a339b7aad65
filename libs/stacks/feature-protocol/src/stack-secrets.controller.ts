import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { RequiresStack, TokenOrUpdateTokenAuth } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';
import type { StackRef } from './stack-access.service';
import { RequestId, StackPath } from './stack-params';
import { StackSecretsService } from './stack-secrets.service';

/** The service secrets manager's endpoints (pulumi-protocol.md §2.3). */
@Controller('api/stacks/:org/:project/:stack')
@TokenOrUpdateTokenAuth()
export class StackSecretsController {
  constructor(private readonly secrets: StackSecretsService) {}

  @RequiresStack('stack:update')
  @Post('encrypt')
  @HttpCode(200)
  async encrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.encrypt(await this.stack(req, ref), body, rid);
  }

  @RequiresStack('stack:read')
  @Post('decrypt')
  @HttpCode(200)
  async decrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.decrypt(await this.stack(req, ref), body, auditActor(req), rid, req);
  }

  @RequiresStack('stack:update')
  @Post('batch-encrypt')
  @HttpCode(200)
  async batchEncrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.batchEncrypt(await this.stack(req, ref), body, rid);
  }

  @RequiresStack('stack:read')
  @Post('batch-decrypt')
  @HttpCode(200)
  async batchDecrypt(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown, @RequestId() rid?: string) {
    return this.secrets.batchDecrypt(await this.stack(req, ref), body, auditActor(req), rid, req);
  }

  @RequiresStack('stack:read')
  @Post('decrypt/log-decryption')
  @HttpCode(200)
  async logDecryption(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown): Promise<Record<string, never>> {
    this.secrets.logDecryption(req.principal, await this.stack(req, ref), body, 'secretName', req);
    return {};
  }

  @RequiresStack('stack:read')
  @Post('decrypt/log-batch-decryption')
  @HttpCode(200)
  async logBatchDecryption(@Req() req: AuthenticatedRequest, @StackPath() ref: StackRef, @Body() body: unknown): Promise<Record<string, never>> {
    this.secrets.logDecryption(req.principal, await this.stack(req, ref), body, 'commandName', req);
    return {};
  }

  /** With an access token the guard authorized the route's scope; with an update token it tied the lease to this stack. */
  private stack(req: AuthenticatedRequest, _ref: StackRef): Promise<StackEntity> {
    const stack = req.lease?.stack ?? req.authorizedStack;
    if (!stack) throw new Error('secrets route reached without an authorized stack');
    return Promise.resolve(stack);
  }
}

/** Who a decrypt is for: the user, or the update whose token made the call (the engine, mid-update). */
function auditActor(req: AuthenticatedRequest): string {
  if (req.lease) return `update:${req.lease.update.id}`;
  return req.principal?.login ?? 'unknown';
}
