import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { type DeploymentV3Json, type JournalEntry, JournalReplayer, JournalReplayError } from '@stackyard/stacks-domain';
import { CheckpointStore, JournalStore, type StackEntity, type UpdateEntity } from '@stackyard/stacks-data-access';
import { type CachedJournal, JournalReplayerCache } from './journal-replayer.cache';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { UpdateLifecycleService } from './update-lifecycle.service';
import { KeyedQueue } from './keyed-queue.util';

/** Default largest inflated `journalentries` body; a bigger batch is a 413 and the CLI halves it. */
export const DEFAULT_JOURNAL_MAX_BATCH_BYTES = 64 * 1024 * 1024;

/** What a journaling update is known by: its id and the stack version it writes. */
type JournalingUpdate = Pick<UpdateEntity, 'id' | 'version'>;

/**
 * Journaling uploads (pulumi-protocol.md §3.6): when `start` granted `journalVersion: 1`, the CLI
 * sends `PATCH …/journalentries` batches instead of checkpoints and the server replays them onto
 * the stack's state at start (the base) with `JournalReplayer`.
 *
 * Per batch, before the CLI gets its 200, the entries are applied to the update's replayer (which
 * validates them; a bad batch is a 4xx and changes nothing) and the batch is stored as
 * `stacks/<stackId>/journal/<version>/<n>.json.gz` (JournalStore). That is all: a batch costs what
 * its entries cost, whatever the size of the stack. Storing the whole replayed state after every
 * batch (as a checkpoint upload would) makes an update of N resources write O(N²) bytes — the very
 * cost journaling exists to remove.
 *
 * The replayed state becomes the stack's stored state (a checkpoint object and the head):
 * - at `complete`, before the lock is released, so the next update, `export` and history read a
 *   plain object and never replay;
 * - at `cancel`, and before another update takes over a lock whose lease ran out, so the work a
 *   killed CLI had acknowledged is the state the next operation starts from;
 * Reads in between (`export` of a stack whose journaling update is still running, e.g. after a
 * killed CLI) are answered from the replayer without storing anything (`readLive`). No
 * acknowledged change is ever lost: the base marker plus the stored batches rebuild the state on
 * any replica, after any restart.
 *
 * The replayer lives in a bounded per-process cache. On a miss (eviction, restart, a batch served
 * by another replica) it is rebuilt from the base marker written at start and the stored batches;
 * before each use it also reads any stored batch it has not seen. Work on one update is serialised
 * in this process; the CLI sends one batch at a time, so replicas do not race on batch numbers.
 */
@Injectable()
export class JournalService {
  private readonly logger = new Logger('Journal');
  private readonly cache = new JournalReplayerCache();
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly lifecycle: UpdateLifecycleService,
    private readonly checkpoints: CheckpointStore,
    private readonly journals: JournalStore,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
  ) {
    lifecycle.onTakeover((stack) => this.settle(stack, stack.activeUpdateId ?? ''));
  }

  get enabled(): boolean {
    return this.settings.journaling === true;
  }

  async receive(stack: StackEntity, update: UpdateEntity, body: unknown, userAgent: string | undefined): Promise<void> {
    if (!this.enabled) throw ApiError.notFound('journaling is not enabled on this server');
    if (update.dryRun) throw ApiError.badRequest('a preview does not write journal entries');
    const entries = readEntries(body);
    if (entries.length === 0) return;
    await this.queue.run(update.id, async () => {
      const journal = await this.load(stack, update, userAgent);
      let result;
      try {
        result = journal.replayer.apply(entries as JournalEntry[]);
      } catch (e) {
        if (!(e instanceof JournalReplayError)) throw e;
        this.logger.log(`journal entries rejected: update ${update.id}: ${e.reason}: ${e.message}`);
        throw e.reason === 'invalid-entry' ? ApiError.badRequest(e.message) : ApiError.conflict(e.message);
      }
      const seqs = entries.map((e) => (e as JournalEntry).sequenceID);
      const [firstSeq, lastSeq] = [Math.min(...seqs), Math.max(...seqs)];
      if (result.accepted > 0) {
        try {
          const batch = journal.batches + 1;
          await this.journals.writeBatch(stack.id, update.version, { updateId: update.id, batch, firstSeq, lastSeq, entries });
          journal.batches = batch;
          journal.dirty = true;
        } catch (e) {
          // The replayer holds entries that are not stored: forget it, a retry rebuilds from the store.
          this.cache.delete(update.id);
          throw e;
        }
      }
      this.cache.trim();
      this.logger.log(
        `journal entries applied: update ${update.id} batch ${journal.batches} seq ${firstSeq}-${lastSeq} ` +
          `(${result.accepted} new, ${result.duplicates} duplicate${result.replayedFromBase ? ', replayed from base' : ''})`,
      );
    });
  }

  /**
   * Before `complete` releases the lock: stores the final snapshot of a journaling update unless
   * the stored checkpoint is known to be current.
   */
  async finish(stack: StackEntity, update: UpdateEntity, userAgent: string | undefined): Promise<void> {
    if (!this.enabled || update.dryRun || update.status !== 'running') return;
    await this.queue.run(update.id, async () => {
      const cached = this.cache.get(update.id);
      if (!cached && (await this.journals.readBase(stack.id, update.version))?.updateId !== update.id) return; // not a journaling update
      const journal = await this.load(stack, update, userAgent);
      if (journal.batches === 0 || !journal.dirty) return;
      await this.materialise(stack, update, journal);
      this.logger.log(`journal final snapshot stored: update ${update.id} (${journal.batches} batches)`);
    });
  }

  /**
   * Makes what a journaling update acknowledged the stack's stored state, while that update still
   * holds the lock: before `cancel`, and before a lock whose lease ran out is taken over. A no-op
   * for any other update.
   */
  async settle(stack: StackEntity, updateId: string): Promise<void> {
    const update = await this.runningJournalingUpdate(stack, updateId);
    if (!update) return;
    await this.queue.run(update.id, async () => {
      const journal = await this.load(stack, update, undefined);
      if (journal.batches === 0 || !journal.dirty) return;
      await this.materialise(stack, update, journal);
      this.logger.log(`journal snapshot stored for an unfinished update: ${update.id} (${journal.batches} batches)`);
    });
  }

  /**
   * The stack's current state while a journaling update that has applied batches holds its lock
   * (as UntypedDeployment JSON), or undefined when the stored head is current.
   */
  async readLive(stack: StackEntity): Promise<Buffer | undefined> {
    if (!stack.activeUpdateId) return undefined;
    const update = await this.runningJournalingUpdate(stack, stack.activeUpdateId);
    if (!update) return undefined;
    return this.queue.run(update.id, async () => {
      const journal = await this.load(stack, update, undefined);
      if (journal.batches === 0 || !journal.dirty) return undefined;
      return Buffer.from(JSON.stringify(this.untypedSnapshot(update, journal)), 'utf8');
    });
  }

  /** Drops the replayer of a finished update (its token can no longer write). */
  forget(updateId: string): void {
    this.cache.delete(updateId);
  }

  /** The update holding the stack's lock, if it is `updateId` and was started with journaling. */
  private async runningJournalingUpdate(stack: StackEntity, updateId: string): Promise<JournalingUpdate | undefined> {
    if (!this.enabled || !updateId || stack.activeUpdateId !== updateId) return undefined;
    // The lock holder writes the version the lock took: the stack's current version.
    const update = { id: updateId, version: stack.version };
    const cached = this.cache.get(updateId);
    if (cached) return cached.version === update.version ? update : undefined;
    const marker = await this.journals.readBase(stack.id, update.version);
    return marker?.updateId === updateId ? update : undefined;
  }

  /** The update's replayer with every stored batch applied: cached, or rebuilt from the store. */
  private async load(stack: StackEntity, update: JournalingUpdate, userAgent: string | undefined): Promise<CachedJournal> {
    let journal = this.cache.get(update.id);
    if (!journal || journal.stackId !== stack.id || journal.version !== update.version) {
      const marker = await this.journals.readBase(stack.id, update.version);
      if (!marker || marker.updateId !== update.id) {
        throw ApiError.conflict(`update '${update.id}' was not started with journaling; send checkpoints`);
      }
      const base = marker.baseObjectKey === null ? null : await this.readBase(stack.id, marker.baseObjectKey);
      journal = {
        updateId: update.id,
        stackId: stack.id,
        version: update.version,
        replayer: new JournalReplayer(base, { cliVersion: marker.cliVersion || cliVersionOf(userAgent) }),
        batches: 0,
        // Rebuilt: whether the stored checkpoint reflects every stored batch is unknown.
        dirty: true,
        problemsLogged: 0,
      };
      this.cache.set(journal);
    }
    // Batches another replica stored (or this one before a failed write) that the replayer lacks.
    for (;;) {
      const record = await this.journals.readBatch(stack.id, update.version, journal.batches + 1);
      if (!record) break;
      if (record.updateId !== update.id) throw new Error(`journal batch ${journal.batches + 1} of version ${update.version} belongs to another update`);
      journal.replayer.apply(record.entries as JournalEntry[]);
      journal.batches++;
      journal.dirty = true;
    }
    return journal;
  }

  private async readBase(stackId: string, key: string): Promise<DeploymentV3Json | null> {
    const text = await this.checkpoints.readText(stackId, key);
    if (!text) throw new Error(`the base checkpoint ${key} of a journaling update is missing`);
    const parsed = JSON.parse(text.toString('utf8')) as { deployment?: DeploymentV3Json | null };
    return parsed.deployment ?? null;
  }

  /** The replayed state as the CLI would have uploaded it; logs replay problems once. */
  private untypedSnapshot(update: JournalingUpdate, journal: CachedJournal) {
    const problems = journal.replayer.problems;
    for (const problem of problems.slice(journal.problemsLogged)) this.logger.warn(`journal replay of update ${update.id}: ${problem}`);
    journal.problemsLogged = problems.length;
    const snapshot = journal.replayer.snapshot();
    // Go `features,omitempty`: only a version 4 state carries features.
    return snapshot.features.length > 0 ? snapshot : { version: snapshot.version, deployment: snapshot.deployment };
  }

  /** Writes the replayed snapshot as the update's checkpoint object and makes it the head. */
  private async materialise(stack: StackEntity, update: JournalingUpdate, journal: CachedJournal): Promise<void> {
    const untyped = this.untypedSnapshot(update, journal);
    const key = this.checkpoints.key(stack.id, update.version);
    await this.checkpoints.write(stack.id, key, [Buffer.from(JSON.stringify(untyped), 'utf8')]);
    const resourceCount = untyped.deployment.resources?.length ?? 0;
    // Unknown here whether the update row already says so; setting it again is harmless.
    await this.lifecycle.commitCheckpoint(stack, { ...update, checkpointWritten: false, resourceCount: -1 }, key, resourceCount);
    journal.dirty = false;
  }
}

/** `{entries: [JournalEntry]}`; the entries' shape is the replayer's to check. */
function readEntries(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('request body must be {"entries": [...]}');
  const entries = (body as Record<string, unknown>)['entries'];
  if (!Array.isArray(entries)) throw ApiError.badRequest("'entries' must be an array of journal entries");
  return entries;
}

/** `pulumi-cli/1 (v3.270.0; linux; cmd=pulumi-up)` → `v3.270.0` (manifest.version, as the CLI writes it). */
export function cliVersionOf(userAgent: string | undefined): string {
  return /^pulumi-cli\/\S+ \(([^;)]*)/.exec(userAgent ?? '')?.[1]?.trim() ?? '';
}
