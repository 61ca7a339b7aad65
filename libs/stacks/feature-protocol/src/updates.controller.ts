import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal, StartUpdateResponse, UpdateProgramResponse, UpdateResults } from '@stackyard/shared-contracts';
import type { StackEntity, UpdateEntity } from '@stackyard/stacks-data-access';
import { RequiresStack, UpdateTokenAuth } from './auth.decorators';
import { CheckpointDeltaService } from './checkpoint-delta.service';
import { cliVersionOf, JournalService } from './journal.service';
import { AuditRecorder } from './audit-recorder';
import type { AuthenticatedRequest } from './request-context';
import { StackAccessService } from './stack-access.service';
import { AuthorizedStack, CurrentPrincipal, LeasedUpdate, RawBody } from './stack-params';
import { UpdateEventsService } from './update-events.service';
import { UpdateLifecycleService, type ProgramKind } from './update-lifecycle.service';

type Lease = { stack: StackEntity; update: UpdateEntity };

/** The update lifecycle (pulumi-protocol.md §3). Every per-update path uses the literal `update` segment. */
@Controller('api/stacks/:org/:project/:stack')
export class UpdatesController {
  constructor(
    private readonly access: StackAccessService,
    private readonly lifecycle: UpdateLifecycleService,
    private readonly events: UpdateEventsService,
    private readonly deltas: CheckpointDeltaService,
    private readonly journals: JournalService,
    private readonly audit: AuditRecorder,
  ) {}

  @RequiresStack('stack:update')
  @Post('update')
  @HttpCode(200)
  createUpdate(@CurrentPrincipal() p: Principal, @AuthorizedStack() stack: StackEntity, @Body() body: unknown) {
    return this.create(p, stack, 'update', body);
  }

  @RequiresStack('stack:read')
  @Post('preview')
  @HttpCode(200)
  createPreview(@CurrentPrincipal() p: Principal, @AuthorizedStack() stack: StackEntity, @Body() body: unknown) {
    return this.create(p, stack, 'preview', body);
  }

  @RequiresStack('stack:update')
  @Post('refresh')
  @HttpCode(200)
  createRefresh(@CurrentPrincipal() p: Principal, @AuthorizedStack() stack: StackEntity, @Body() body: unknown) {
    return this.create(p, stack, 'refresh', body);
  }

  @RequiresStack('stack:update')
  @Post('destroy')
  @HttpCode(200)
  createDestroy(@CurrentPrincipal() p: Principal, @AuthorizedStack() stack: StackEntity, @Body() body: unknown) {
    return this.create(p, stack, 'destroy', body);
  }

  @RequiresStack('stack:read')
  @Post('update/:updateId')
  @HttpCode(200)
  async start(@AuthorizedStack() stack: StackEntity, @Param('updateId') updateId: string, @Req() req: AuthenticatedRequest, @Body() body: unknown): Promise<StartUpdateResponse> {
    // Read covers previews; anything that changes the stack needs Write, decided once the kind is known.
    const started = await this.lifecycle.start(stack, updateId, body, cliVersionOf(req.headers['user-agent']), (update) => {
      if (!update.dryRun) this.access.enforce(req, stack, 'stack:update');
    });
    this.audit.record(req, { organization: stack.orgName, event: 'update_started', description: `update ${updateId} of stack '${stackName(stack)}' started` });
    return started;
  }

  @RequiresStack('stack:read')
  @Get('update/:updateId')
  async results(@AuthorizedStack() stack: StackEntity, @Param('updateId') updateId: string): Promise<UpdateResults> {
    return this.events.results(stack, updateId);
  }

  @RequiresStack('stack:read')
  @Get('update/:updateId/events')
  async listEvents(
    @AuthorizedStack() stack: StackEntity,
    @Param('updateId') updateId: string,
    @Query() query: { continuationToken?: string; type?: string | string[]; urn?: string },
  ) {
    return this.events.page(stack, updateId, query);
  }

  @RequiresStack('stack:update')
  @Post('update/:updateId/cancel')
  @HttpCode(200)
  async cancel(@AuthorizedStack() stack: StackEntity, @Param('updateId') updateId: string, @Req() req: AuthenticatedRequest): Promise<Record<string, never>> {
    // What a (killed) journaling CLI acknowledged becomes the state before the update ends.
    await this.journals.settle(stack, updateId);
    await this.lifecycle.cancel(stack, updateId);
    this.journals.forget(updateId);
    this.audit.record(req, { organization: stack.orgName, event: 'update_cancelled', description: `update ${updateId} of stack '${stackName(stack)}' cancelled` });
    return {};
  }

  @UpdateTokenAuth()
  @Post('update/:updateId/renew_lease')
  @HttpCode(200)
  renewLease(@LeasedUpdate() lease: Lease, @Req() req: Request, @Body() body: unknown) {
    const token = /^update-token\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    return this.lifecycle.renewLease(lease.stack, lease.update, token, body);
  }

  @UpdateTokenAuth()
  @Patch('update/:updateId/checkpoint')
  @HttpCode(200)
  async checkpoint(@LeasedUpdate() lease: Lease, @RawBody() body: Buffer | undefined): Promise<Record<string, never>> {
    await this.lifecycle.saveCheckpoint(lease.stack, lease.update, body);
    return {};
  }

  /** Mode B (§3.5): the exact state text, which becomes this update's delta baseline. */
  @UpdateTokenAuth()
  @Patch('update/:updateId/checkpointverbatim')
  @HttpCode(200)
  async checkpointVerbatim(@LeasedUpdate() lease: Lease, @RawBody() body: Buffer | undefined): Promise<Record<string, never>> {
    await this.deltas.saveVerbatim(lease.stack, lease.update, body);
    return {};
  }

  /** Mode B (§3.5): byte edits to the baseline; any 4xx makes the CLI resend verbatim. */
  @UpdateTokenAuth()
  @Patch('update/:updateId/checkpointdelta')
  @HttpCode(200)
  async checkpointDelta(@LeasedUpdate() lease: Lease, @RawBody() body: Buffer | undefined): Promise<Record<string, never>> {
    await this.deltas.saveDelta(lease.stack, lease.update, body);
    return {};
  }

  /** Journaling (§3.6): entries replayed onto the base; a 413 makes the CLI halve the batch. */
  @UpdateTokenAuth()
  @Patch('update/:updateId/journalentries')
  @HttpCode(200)
  async journalEntries(@LeasedUpdate() lease: Lease, @Req() req: Request, @Body() body: unknown): Promise<Record<string, never>> {
    await this.journals.receive(lease.stack, lease.update, body, req.headers['user-agent']);
    return {};
  }

  @UpdateTokenAuth()
  @Post('update/:updateId/events/batch')
  @HttpCode(200)
  async eventsBatch(@LeasedUpdate() lease: Lease, @Body() body: unknown): Promise<Record<string, never>> {
    await this.events.recordBatch(lease.update, body);
    return {};
  }

  @UpdateTokenAuth()
  @Post('update/:updateId/complete')
  @HttpCode(200)
  async complete(@LeasedUpdate() lease: Lease, @Req() req: AuthenticatedRequest, @Body() body: unknown): Promise<Record<string, never>> {
    await this.journals.finish(lease.stack, lease.update, req.headers['user-agent']);
    await this.lifecycle.complete(lease.stack, lease.update, body);
    this.deltas.forget(lease.update.id);
    this.journals.forget(lease.update.id);
    const status = (body as { status?: unknown } | undefined)?.status;
    this.audit.record(req, {
      organization: lease.stack.orgName,
      event: 'update_completed',
      description: `${lease.update.kind} ${lease.update.id} of stack '${stackName(lease.stack)}' completed: ${typeof status === 'string' ? status.slice(0, 32) : 'unknown'}`,
    });
    return {};
  }

  private create(principal: Principal, stack: StackEntity, kind: ProgramKind, body: unknown): Promise<UpdateProgramResponse> {
    return this.lifecycle.create(principal, stack, kind, body);
  }
}

function stackName(stack: StackEntity): string {
  return `${stack.orgName}/${stack.projectName}/${stack.stackName}`;
}
