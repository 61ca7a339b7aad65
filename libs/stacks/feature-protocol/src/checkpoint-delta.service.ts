import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import {
  applyCheckpointDelta,
  CheckpointDeltaError,
  type DeltaCheckpointRequest,
  sha256Hex,
  validateDeltaCheckpointRequest,
  validateUntypedDeployment,
  validateVerbatimCheckpointRequest,
} from '@stackyard/stacks-domain';
import { CheckpointBaselineStore, CheckpointStore, type StackEntity, type UpdateEntity } from '@stackyard/stacks-data-access';
import { type CheckpointBaseline, CheckpointBaselineCache } from './checkpoint-baseline.cache';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { UpdateLifecycleService } from './update-lifecycle.service';
import { KeyedQueue } from './keyed-queue.util';

/** Default `checkpointCutoffSizeBytes` when the settings leave it out. */
export const DEFAULT_CHECKPOINT_CUTOFF_BYTES = 1024 * 1024;

type Attempt =
  | { kind: 'applied'; text: Buffer; hash: string }
  | { kind: 'already-applied' }
  | { kind: 'rejected'; error: ApiError; reason: string };

/**
 * Mode B checkpoints (pulumi-protocol.md §3.5): `checkpointverbatim` stores the exact bytes of the
 * CLI's `untypedDeployment` as the update's baseline and checkpoint; `checkpointdelta` applies byte
 * edits to that baseline, verifies the CLI's SHA-256 and stores the result the same way. Any delta
 * problem is a 4xx, which makes the CLI resend the same state verbatim with the same sequence
 * number, so a refused delta costs one round trip and never an update.
 *
 * The stored checkpoint object *is* the baseline text (plus a small marker with the sequence
 * number and hash, see CheckpointBaselineStore), so an api replica that has no cached baseline,
 * or one restarted mid-update, continues the chain from the object store. Calls for one update are
 * serialised in this process; across replicas the hash check keeps every stored state exactly
 * the one the CLI meant.
 */
@Injectable()
export class CheckpointDeltaService {
  private readonly logger = new Logger('CheckpointDelta');
  private readonly cache = new CheckpointBaselineCache();
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly lifecycle: UpdateLifecycleService,
    private readonly checkpoints: CheckpointStore,
    private readonly baselines: CheckpointBaselineStore,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.deltaCheckpoints === true;
  }

  get cutoffBytes(): number {
    return this.settings.checkpointCutoffBytes ?? DEFAULT_CHECKPOINT_CUTOFF_BYTES;
  }

  async saveVerbatim(stack: StackEntity, update: UpdateEntity, body: Buffer | undefined): Promise<void> {
    const raw = this.precheck(update, body);
    const checked = validateVerbatimCheckpointRequest(raw);
    if (!checked.ok) throw ApiError.badRequest(checked.error);
    const req = checked.info;
    await this.queue.run(update.id, async () => {
      const cached = this.cached(stack, update);
      // The CLI numbers saves upwards; an older one arriving late must not replace a newer state.
      if (cached && req.sequenceNumber < cached.sequenceNumber) {
        throw ApiError.conflict(`checkpoint sequence number ${req.sequenceNumber} is older than the last applied ${cached.sequenceNumber}`);
      }
      const hash = sha256Hex(req.text);
      await this.store(stack, update, req.sequenceNumber, req.text, hash, req.info.resourceCount);
      this.logger.log(`checkpoint verbatim stored: update ${update.id} seq ${req.sequenceNumber} (${req.text.length} bytes)`);
    });
  }

  async saveDelta(stack: StackEntity, update: UpdateEntity, body: Buffer | undefined): Promise<void> {
    const raw = this.precheck(update, body);
    const checked = validateDeltaCheckpointRequest(raw);
    if (!checked.ok) {
      this.logger.log(`checkpoint delta rejected: update ${update.id}: ${checked.error}`);
      throw ApiError.badRequest(checked.error);
    }
    const req = checked.info;
    await this.queue.run(update.id, async () => {
      let baseline = this.cached(stack, update);
      let attempt = baseline ? this.attempt(baseline, req) : undefined;
      if (!attempt || attempt.kind === 'rejected') {
        // No (or a stale) cached baseline: another replica may have moved the chain on, or this
        // process restarted. The stored checkpoint is the authoritative baseline.
        const stored = await this.loadStored(stack, update);
        if (stored && !(baseline && stored.hash === baseline.hash && stored.sequenceNumber === baseline.sequenceNumber)) {
          baseline = stored;
          attempt = this.attempt(stored, req);
        }
      }
      if (!baseline || !attempt) {
        this.logger.log(`checkpoint delta rejected: update ${update.id} seq ${req.sequenceNumber}: no baseline`);
        throw ApiError.conflict('this update has no checkpoint baseline to apply a delta to; send checkpointverbatim');
      }
      switch (attempt.kind) {
        case 'rejected':
          this.logger.log(`checkpoint delta rejected: update ${update.id} seq ${req.sequenceNumber}: ${attempt.reason}`);
          throw attempt.error;
        case 'already-applied':
          // A retry of a delta whose answer was lost. Re-committing is idempotent and makes sure the
          // stored state is the head even if the first attempt stopped after writing the object.
          await this.lifecycle.commitCheckpoint(stack, update, this.checkpoints.key(stack.id, update.version), baseline.resourceCount);
          this.cache.set(baseline);
          this.logger.log(`checkpoint delta already applied: update ${update.id} seq ${req.sequenceNumber}`);
          return;
        case 'applied': {
          const info = validateUntypedDeployment(attempt.text);
          if (!info.ok) {
            this.logger.log(`checkpoint delta rejected: update ${update.id} seq ${req.sequenceNumber}: ${info.error}`);
            throw ApiError.badRequest(`the state the delta produces is not valid: ${info.error}`);
          }
          await this.store(stack, update, req.sequenceNumber, attempt.text, attempt.hash, info.info.resourceCount);
          this.logger.log(
            `checkpoint delta applied: update ${update.id} seq ${req.sequenceNumber} (${req.edits.length} edits, ${baseline.text.length} -> ${attempt.text.length} bytes)`,
          );
          return;
        }
      }
    });
  }

  /** Drops the cached baseline of a finished update (its token can no longer write). */
  forget(updateId: string): void {
    this.cache.delete(updateId);
  }

  private precheck(update: UpdateEntity, body: Buffer | undefined): Buffer {
    if (!this.enabled) throw ApiError.notFound('delta checkpoint uploads are not enabled on this server');
    if (update.dryRun) throw ApiError.badRequest('a preview does not write checkpoints');
    if (!body || body.length === 0) throw ApiError.badRequest('request body is required');
    return body;
  }

  private attempt(baseline: CheckpointBaseline, req: DeltaCheckpointRequest): Attempt {
    if (req.sequenceNumber === baseline.sequenceNumber && req.checkpointHash === baseline.hash) return { kind: 'already-applied' };
    if (req.sequenceNumber !== baseline.sequenceNumber + 1) {
      const reason = `sequence number ${req.sequenceNumber} does not follow the last applied ${baseline.sequenceNumber}`;
      return { kind: 'rejected', reason, error: ApiError.conflict(`checkpoint ${reason}; send checkpointverbatim`) };
    }
    try {
      return { kind: 'applied', ...applyCheckpointDelta(baseline.text, req.edits, req.checkpointHash) };
    } catch (e) {
      if (!(e instanceof CheckpointDeltaError)) throw e;
      const error = e.kind === 'hash-mismatch' ? ApiError.conflict(`${e.message}; send checkpointverbatim`) : ApiError.badRequest(e.message);
      return { kind: 'rejected', reason: e.message, error };
    }
  }

  private cached(stack: StackEntity, update: UpdateEntity): CheckpointBaseline | undefined {
    const entry = this.cache.get(update.id);
    return entry && entry.stackId === stack.id && entry.version === update.version ? entry : undefined;
  }

  /** The baseline as stored, when its marker belongs to this update and matches the object's bytes. */
  private async loadStored(stack: StackEntity, update: UpdateEntity): Promise<CheckpointBaseline | undefined> {
    const marker = await this.baselines.read(stack.id, update.version);
    if (!marker || marker.updateId !== update.id) return undefined;
    const text = await this.checkpoints.readText(stack.id, this.checkpoints.key(stack.id, update.version));
    if (!text) return undefined;
    const hash = sha256Hex(text);
    if (hash !== marker.sha256) {
      // The object and its marker were written separately and one write did not finish; the CLI
      // was not told either succeeded, so it resends verbatim after our 409.
      this.logger.warn(`checkpoint baseline of update ${update.id} does not match its marker; a verbatim upload will replace it`);
      return undefined;
    }
    const info = validateUntypedDeployment(text);
    if (!info.ok) return undefined;
    return { updateId: update.id, stackId: stack.id, version: update.version, sequenceNumber: marker.sequenceNumber, text, hash, resourceCount: info.info.resourceCount };
  }

  /** Stores the exact text as checkpoint and baseline, makes it the head, then caches it. */
  private async store(stack: StackEntity, update: UpdateEntity, sequenceNumber: number, text: Buffer, hash: string, resourceCount: number): Promise<void> {
    const key = this.checkpoints.key(stack.id, update.version);
    await Promise.all([
      this.checkpoints.write(stack.id, key, [text]),
      this.baselines.write(stack.id, update.version, { updateId: update.id, sequenceNumber, sha256: hash }),
    ]);
    await this.lifecycle.commitCheckpoint(stack, update, key, resourceCount);
    this.cache.set({ updateId: update.id, stackId: stack.id, version: update.version, sequenceNumber, text, hash, resourceCount });
  }

  /** Runs `fn` after every earlier call for the same update has finished (in this process). */
}
