import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { Principal, StartUpdateResponse, UpdateProgramResponse } from '@stackyard/shared-contracts';
import { composeUntypedDeployment, validateCheckpointRequest, validateTags } from '@stackyard/stacks-domain';
import {
  CheckpointStore,
  JournalStore,
  type StackEntity,
  StackRepository,
  StackVersionRepository,
  type UpdateEntity,
  UpdateRepository,
} from '@stackyard/stacks-data-access';
import { hashLeaseToken, leaseTokenMatches, newLeaseToken } from './lease-token.util';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { optionalString, optionalStringMap, requireObject } from './request-validation.util';

export type ProgramKind = 'update' | 'preview' | 'refresh' | 'destroy';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const LOCK_ATTEMPTS = 8;

/**
 * The update lifecycle: create → start (lease) → checkpoints/events/renewals → complete or cancel.
 *
 * Locking policy (docs/architecture.md, "Updates and locks"): a non-dry-run update holds the stack
 * through a lease recorded in the database; a second start while the lease is live is a 409, an
 * expired lease frees the stack and voids its token. Dry runs (previews, and the preview phase of
 * `up`/`refresh`/`destroy`) never take or wait for the lock: they only read the current state, so
 * a CI preview never blocks a deploy, and they still get a lease token for their own events.
 */
@Injectable()
export class UpdateLifecycleService {
  private readonly logger = new Logger(UpdateLifecycleService.name);

  constructor(
    private readonly stacks: StackRepository,
    private readonly updates: UpdateRepository,
    private readonly versions: StackVersionRepository,
    private readonly checkpoints: CheckpointStore,
    private readonly journals: JournalStore,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
  ) {}

  async create(principal: Principal, stack: StackEntity, kind: ProgramKind, body: unknown): Promise<UpdateProgramResponse> {
    const req = requireObject(body);
    const options = req['options'] === undefined || req['options'] === null ? {} : requireObject(req['options'], "'options'");
    if (options['dryRun'] !== undefined && typeof options['dryRun'] !== 'boolean') throw ApiError.badRequest("'options.dryRun' must be a boolean");
    const config = req['config'] === undefined || req['config'] === null ? {} : requireObject(req['config'], "'config'");
    const metadata = req['metadata'] === undefined || req['metadata'] === null ? {} : requireObject(req['metadata'], "'metadata'");
    const message = optionalString(metadata, 'message', 64 * 1024) ?? '';
    const environment = optionalStringMap(metadata, 'environment') ?? {};
    const now = Date.now();
    const update: UpdateEntity = {
      id: randomUUID(),
      stackId: stack.id,
      kind,
      dryRun: kind === 'preview' || options['dryRun'] === true,
      status: 'not-started',
      version: 0,
      leaseTokenHash: null,
      leaseExpiresAt: null,
      requestedBy: principal.login,
      message,
      environment,
      config,
      resourceChanges: null,
      resourceCount: null,
      checkpointWritten: false,
      createdAt: now,
      startedAt: null,
      endedAt: null,
    };
    await this.updates.insert(update);
    return { updateID: update.id, requiredPolicies: [], messages: [] };
  }

  /** `mayStart` sees the update before anything changes and throws to refuse it (authorization by kind). */
  async start(stack: StackEntity, updateId: string, body: unknown, cliVersion = '', mayStart?: (update: UpdateEntity) => void): Promise<StartUpdateResponse> {
    const req = body === undefined ? {} : requireObject(body);
    const tags = optionalStringMap(req, 'tags');
    if (tags) {
      const problem = validateTags(tags);
      if (problem) throw ApiError.badRequest(problem);
    }
    const update = await this.updates.findById(updateId);
    if (!update || update.stackId !== stack.id) throw ApiError.notFound(`Update '${updateId}' not found`);
    mayStart?.(update);
    if (update.status !== 'not-started') throw ApiError.conflict('The update has already been started');
    // Journaling (pulumi-protocol.md §3.6) only when enabled, asked for, and for a real deploy.
    const requested = req['journalVersion'];
    const journaling = this.settings.journaling === true && !update.dryRun && typeof requested === 'number' && requested >= 1;
    const lease = newLeaseToken();
    const now = Date.now();
    const leaseExpiresAt = now + this.settings.leaseSeconds * 1000;
    let version: number;
    if (update.dryRun) {
      version = stack.version;
    } else {
      version = await this.acquire(stack.id, update, leaseExpiresAt, tags);
      if (journaling) {
        try {
          await this.recordJournalBase(stack.id, update.id, version, cliVersion);
        } catch (error) {
          await this.stacks.releaseLock(stack.id, update.id, Date.now());
          throw error;
        }
      }
    }
    const started = await this.updates.transition(update.id, ['not-started'], 'running', {
      version,
      leaseTokenHash: lease.hash,
      leaseExpiresAt,
      startedAt: now,
    });
    if (!started) {
      if (!update.dryRun) await this.stacks.releaseLock(stack.id, update.id, Date.now());
      throw ApiError.conflict('The update has already been started');
    }
    return { version, token: lease.token, tokenExpiration: Math.floor(leaseExpiresAt / 1000), ...(journaling ? { journalVersion: 1 } : {}) };
  }

  /**
   * A journaling update's replay base is the stack's head at start. Recorded while the lock is
   * held (so the head cannot move), before the CLI learns it may journal.
   */
  private async recordJournalBase(stackId: string, updateId: string, version: number, cliVersion: string): Promise<void> {
    const current = await this.stacks.findById(stackId);
    if (!current) throw ApiError.notFound('Stack not found');
    let baseObjectKey: string | null = null;
    if (current.headVersion !== null) {
      const head = await this.versions.find(stackId, current.headVersion);
      if (!head) throw new Error(`stack ${stackId} has head version ${current.headVersion} but no object for it`);
      baseObjectKey = head.objectKey;
    }
    await this.journals.writeBase(stackId, version, { updateId, baseObjectKey, cliVersion });
  }

  /**
   * Called (with the stack as read, still locked by the expired update) before another operation
   * takes over a lock whose lease ran out. The journal registers itself here.
   */
  private beforeTakeover?: (stack: StackEntity) => Promise<void>;

  onTakeover(hook: (stack: StackEntity) => Promise<void>): void {
    this.beforeTakeover = hook;
  }

  /** Takes the stack lock for a non-dry-run operation and returns the version it will write. */
  async acquire(stackId: string, update: UpdateEntity, leaseExpiresAt: number, tags?: Record<string, string>): Promise<number> {
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      const current = await this.stacks.findById(stackId);
      if (!current) throw ApiError.notFound('Stack not found');
      const now = Date.now();
      if (current.activeUpdateId && current.activeUpdateId !== update.id && (current.leaseExpiresAt ?? 0) >= now) {
        throw ApiError.conflict('Another update is currently in progress.');
      }
      if (current.activeUpdateId && current.activeUpdateId !== update.id && this.beforeTakeover) {
        // The previous holder's lease ran out. Whatever it had acknowledged but not yet written as
        // the stack's state (journal batches) becomes the state now, while it still holds the lock.
        await this.beforeTakeover(current).catch((error: unknown) => {
          this.logger.error(`settling the state of expired update ${current.activeUpdateId} failed: ${(error as Error).message}`);
        });
      }
      const acquired = await this.stacks.tryAcquireLock({
        stackId,
        expectedVersion: current.version,
        updateId: update.id,
        leaseExpiresAt,
        now,
        operation: { kind: update.kind, author: update.requestedBy, started: Math.floor(now / 1000) },
        ...(tags ? { tags } : {}),
      });
      if (acquired) {
        if (current.activeUpdateId && current.activeUpdateId !== update.id) {
          // The previous holder's lease ran out: it can no longer write, so record it as failed.
          await this.expire(current.activeUpdateId, now);
        }
        return current.version + 1;
      }
    }
    throw ApiError.conflict('Another update is currently in progress.');
  }

  private async expire(updateId: string, now: number): Promise<void> {
    const stale = await this.updates.findById(updateId);
    if (!stale) return;
    if (await this.updates.transition(updateId, ['running', 'not-started'], 'failed', { endedAt: now, leaseExpiresAt: now })) {
      this.logger.warn(`update ${updateId} lost its lease and was marked failed`);
      await this.finalizeVersion(stale);
    }
  }

  /**
   * Checks an `update-token` call: the token must be this update's, the update running and its
   * lease alive. `allowFinished` lets retried calls (complete, events) of a finished update succeed.
   */
  async validateLease(stack: StackEntity, updateId: string, token: string, allowFinished: boolean): Promise<UpdateEntity> {
    const update = await this.updates.findById(updateId);
    if (!update || update.stackId !== stack.id) throw ApiError.notFound(`Update '${updateId}' not found`);
    if (!leaseTokenMatches(token, update.leaseTokenHash)) throw ApiError.forbidden('the update token is not valid for this update');
    if (update.status === 'running') {
      if ((update.leaseExpiresAt ?? 0) < Date.now()) throw ApiError.forbidden(`the lease of update '${updateId}' has expired`);
      return update;
    }
    if (FINISHED.has(update.status)) {
      if (allowFinished) return update;
      throw ApiError.conflict('The Update has already completed');
    }
    throw ApiError.conflict('The update has not been started');
  }

  /** A secrets call made with an update token: it must be the live lease of some update of this stack. */
  async validateAnyLease(stack: StackEntity, token: string): Promise<UpdateEntity> {
    const update = await this.updates.findRunningByLeaseHash(stack.id, hashLeaseToken(token));
    if (!update || (update.leaseExpiresAt ?? 0) < Date.now()) throw ApiError.forbidden('the update token is not valid for this stack');
    return update;
  }

  async renewLease(stack: StackEntity, update: UpdateEntity, token: string, body: unknown): Promise<{ token: string; tokenExpiration: number }> {
    const req = body === undefined ? {} : requireObject(body);
    const duration = req['duration'] ?? this.settings.leaseSeconds;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > 86_400) {
      throw ApiError.badRequest("'duration' must be a positive integer number of seconds");
    }
    const expiresAt = Date.now() + Math.min(duration, this.settings.leaseSeconds) * 1000;
    const renewed = await this.updates.setLease(update.id, expiresAt);
    if (!renewed) throw ApiError.forbidden(`the lease of update '${update.id}' has expired`);
    if (!update.dryRun && !(await this.stacks.renewLock(stack.id, update.id, expiresAt))) {
      throw ApiError.forbidden(`the lease of update '${update.id}' has expired`);
    }
    // The same token stays valid: in-flight requests carrying it must not fail after a renewal.
    return { token, tokenExpiration: Math.floor(expiresAt / 1000) };
  }

  async saveCheckpoint(stack: StackEntity, update: UpdateEntity, body: Buffer | undefined): Promise<void> {
    if (update.dryRun) throw ApiError.badRequest('a preview does not write checkpoints');
    if (!body || body.length === 0) throw ApiError.badRequest('request body is required');
    const checked = validateCheckpointRequest(body);
    if (!checked.ok) throw ApiError.badRequest(checked.error);
    const info = checked.info;
    const key = this.checkpoints.key(stack.id, update.version);
    await this.checkpoints.write(stack.id, key, composeUntypedDeployment(body, info));
    await this.commitCheckpoint(stack, update, key, info.resourceCount);
  }

  /**
   * Makes a stored checkpoint object this update's version and the stack's head. Every checkpoint
   * route calls it after the object is durable and before answering, so a crash never loses an
   * acknowledged checkpoint.
   */
  async commitCheckpoint(
    stack: StackEntity,
    update: Pick<UpdateEntity, 'id' | 'version' | 'checkpointWritten' | 'resourceCount'>,
    key: string,
    resourceCount: number,
  ): Promise<void> {
    const now = Date.now();
    await this.versions.upsert({ stackId: stack.id, version: update.version, objectKey: key, resourceCount, updateId: update.id, createdAt: now });
    if (!(await this.stacks.setHeadWhileLocked(stack.id, update.id, update.version, resourceCount, now))) {
      throw ApiError.forbidden(`the lease of update '${update.id}' has expired`);
    }
    if (!update.checkpointWritten || update.resourceCount !== resourceCount) {
      await this.updates.setFields(update.id, { checkpointWritten: true, resourceCount });
    }
  }

  async complete(stack: StackEntity, update: UpdateEntity, body: unknown): Promise<void> {
    const req = requireObject(body);
    const status = req['status'];
    if (status !== 'succeeded' && status !== 'failed' && status !== 'cancelled') {
      throw ApiError.badRequest("'status' must be one of succeeded, failed, cancelled");
    }
    if (FINISHED.has(update.status)) return; // a retried complete
    const now = Date.now();
    if (!(await this.updates.transition(update.id, ['running'], status, { endedAt: now }))) return;
    if (!update.dryRun) {
      await this.finalizeVersion(update);
      await this.stacks.releaseLock(stack.id, update.id, now);
    }
  }

  async cancel(stack: StackEntity, updateId: string): Promise<void> {
    const update = await this.updates.findById(updateId);
    if (!update || update.stackId !== stack.id) throw ApiError.notFound(`Update '${updateId}' not found`);
    if (update.status === 'cancelled') return;
    const now = Date.now();
    if (!(await this.updates.transition(update.id, ['running', 'not-started'], 'cancelled', { endedAt: now, leaseExpiresAt: now }))) {
      const fresh = await this.updates.findById(updateId);
      if (fresh?.status === 'cancelled') return;
      throw ApiError.conflict('The Update has already completed');
    }
    if (!update.dryRun && update.version > 0) {
      await this.finalizeVersion(update);
      await this.stacks.releaseLock(stack.id, update.id, now);
    }
  }

  /** Ends a server-side operation (import, rename) that held the lock. */
  async release(update: UpdateEntity): Promise<void> {
    await this.finalizeVersion(update);
    await this.stacks.releaseLock(update.stackId, update.id, Date.now());
  }

  /**
   * Every version that an update took must resolve to a state for `export --version N`; an update
   * that wrote no checkpoint leaves the previous state as its version's state.
   */
  private async finalizeVersion(update: UpdateEntity): Promise<void> {
    if (update.dryRun || update.version <= 0) return;
    const fresh = await this.updates.findById(update.id);
    if (fresh?.checkpointWritten) return;
    if (await this.versions.find(update.stackId, update.version)) return;
    const stack = await this.stacks.findById(update.stackId);
    if (!stack || stack.headVersion === null) return;
    const previous = await this.versions.find(update.stackId, stack.headVersion);
    if (!previous) return;
    const now = Date.now();
    await this.versions.upsert({ ...previous, version: update.version, updateId: update.id, createdAt: now });
    await this.stacks.setHead(stack.id, update.version, previous.resourceCount, now);
    await this.updates.setFields(update.id, { resourceCount: previous.resourceCount });
  }
}
