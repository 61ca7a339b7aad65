import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal, StartUpdateResponse, UpdateProgramResponse, UpdateResults } from '@stackyard/shared-contracts';
import type { StackEntity, UpdateEntity } from '@stackyard/stacks-data-access';
import { UpdateTokenAuth } from './auth.decorators';
import { CheckpointDeltaService } from './checkpoint-delta.service';
import { cliVersionOf, JournalService } from './journal.service';
import { StackAccessService, type StackRef } from './stack-access.service';
import { CurrentPrincipal, LeasedUpdate, RawBody, StackPath } from './stack-params';
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
  ) {}

  @Post('update')
  @HttpCode(200)
  createUpdate(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Body() body: unknown) {
    return this.create(p, ref, 'update', body);
  }

  @Post('preview')
  @HttpCode(200)
  createPreview(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Body() body: unknown) {
    return this.create(p, ref, 'preview', body);
  }

  @Post('refresh')
  @HttpCode(200)
  createRefresh(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Body() body: unknown) {
    return this.create(p, ref, 'refresh', body);
  }

  @Post('destroy')
  @HttpCode(200)
  createDestroy(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Body() body: unknown) {
    return this.create(p, ref, 'destroy', body);
  }

  @Post('update/:updateId')
  @HttpCode(200)
  async start(
    @CurrentPrincipal() p: Principal,
    @StackPath() ref: StackRef,
    @Param('updateId') updateId: string,
    @Req() req: Request,
    @Body() body: unknown,
  ): Promise<StartUpdateResponse> {
    return this.lifecycle.start(await this.access.find(p, ref), updateId, body, cliVersionOf(req.headers['user-agent']));
  }

  @Get('update/:updateId')
  async results(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Param('updateId') updateId: string): Promise<UpdateResults> {
    return this.events.results(await this.access.find(p, ref), updateId);
  }

  @Get('update/:updateId/events')
  async listEvents(
    @CurrentPrincipal() p: Principal,
    @StackPath() ref: StackRef,
    @Param('updateId') updateId: string,
    @Query() query: { continuationToken?: string; type?: string | string[]; urn?: string },
  ) {
    return this.events.page(await this.access.find(p, ref), updateId, query);
  }

  @Post('update/:updateId/cancel')
  @HttpCode(200)
  async cancel(@CurrentPrincipal() p: Principal, @StackPath() ref: StackRef, @Param('updateId') updateId: string): Promise<Record<string, never>> {
    const stack = await this.access.find(p, ref);
    // What a (killed) journaling CLI acknowledged becomes the state before the update ends.
    await this.journals.settle(stack, updateId);
    await this.lifecycle.cancel(stack, updateId);
    this.journals.forget(updateId);
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
  async complete(@LeasedUpdate() lease: Lease, @Req() req: Request, @Body() body: unknown): Promise<Record<string, never>> {
    await this.journals.finish(lease.stack, lease.update, req.headers['user-agent']);
    await this.lifecycle.complete(lease.stack, lease.update, body);
    this.deltas.forget(lease.update.id);
    this.journals.forget(lease.update.id);
    return {};
  }

  private async create(principal: Principal, ref: StackRef, kind: ProgramKind, body: unknown): Promise<UpdateProgramResponse> {
    return this.lifecycle.create(principal, await this.access.find(principal, ref), kind, body);
  }
}
