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

/**
 * Journaling uploads (pulumi-protocol.md §3.6): when `start` granted `journalVersion: 1`, the CLI
 * sends `PATCH …/journalentries` batches instead of checkpoints and the server replays them onto
 * the stack's state at start (the base) with `JournalReplayer`.
 *
 * Per batch, before the CLI gets its 200:
 * 1. the entries are applied to the update's replayer (which validates them; a bad batch is a 4xx
 *    and changes nothing);
 * 2. the batch is stored as `stacks/<stackId>/journal/<version>/<n>.json.gz` (JournalStore);
 * 3. the replayed snapshot is written as the update's checkpoint object and made the stack's head
 *    (`commitCheckpoint`).
 *
 * Materialising after every batch (rather than only at `complete`) costs one state serialisation
 * per batch — the same as a plain checkpoint, and the CLI batches entries — and keeps the
 * guarantee of docs/architecture.md: a SIGKILL of the CLI or of the api never loses an
 * acknowledged change, exports and `pulumi cancel` + `refresh` see the partial state, and
 * nothing needs the journal to be replayed on a read. `complete` stores the final snapshot again
 * only when the stored one might be behind (another replica's batch, a failed write).
 *
 * The replayer lives in a bounded per-process cache. On a miss (eviction, restart, a batch served
 * by another replica) it is rebuilt from the base marker written at start and the stored batches;
 * before each batch the replica also reads any stored batch it has not seen. Batches of one update
 * are serialised in this process; the CLI sends one batch at a time, so replicas do not race on
 * the batch numbers.
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
  ) {}

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
      try {
        const seqs = entries.map((e) => (e as JournalEntry).sequenceID);
        const [firstSeq, lastSeq] = [Math.min(...seqs), Math.max(...seqs)];
        if (result.accepted > 0) {
          const batch = journal.batches + 1;
          await this.journals.writeBatch(stack.id, update.version, { updateId: update.id, batch, firstSeq, lastSeq, entries });
          journal.batches = batch;
          journal.dirty = true;
        }
        // A batch of duplicates only (a retry whose answer was lost) still re-commits: idempotent,
        // and makes sure the head is current if the first attempt stopped half-way.
        await this.materialise(stack, update, journal);
        this.cache.trim();
        this.logger.log(
          `journal entries applied: update ${update.id} batch ${journal.batches} seq ${firstSeq}-${lastSeq} ` +
            `(${result.accepted} new, ${result.duplicates} duplicate${result.replayedFromBase ? ', replayed from base' : ''})`,
        );
      } catch (e) {
        // The replayer holds entries that may not be stored: forget it, a retry rebuilds from the store.
        this.cache.delete(update.id);
        throw e;
      }
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

  /** Drops the replayer of a finished update (its token can no longer write). */
  forget(updateId: string): void {
    this.cache.delete(updateId);
  }

  /** The update's replayer with every stored batch applied: cached, or rebuilt from the store. */
  private async load(stack: StackEntity, update: UpdateEntity, userAgent: string | undefined): Promise<CachedJournal> {
    let journal = this.cache.get(update.id);
    if (!journal || journal.stackId !== stack.id || journal.version !== update.version) {
      const marker = await this.journals.readBase(stack.id, update.version);
      if (!marker || marker.updateId !== update.id) {
        throw ApiError.conflict(`update '${update.id}' was not started with journaling; send checkpoints`);
      }
      const base = marker.baseObjectKey === null ? null : await this.readBase(marker.baseObjectKey);
      journal = {
        updateId: update.id,
        stackId: stack.id,
        version: update.version,
        replayer: new JournalReplayer(base, { cliVersion: cliVersionOf(userAgent) }),
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

  private async readBase(key: string): Promise<DeploymentV3Json | null> {
    const text = await this.checkpoints.readText(key);
    if (!text) throw new Error(`the base checkpoint ${key} of a journaling update is missing`);
    const parsed = JSON.parse(text.toString('utf8')) as { deployment?: DeploymentV3Json | null };
    return parsed.deployment ?? null;
  }

  /** Writes the replayed snapshot as the update's checkpoint object and makes it the head. */
  private async materialise(stack: StackEntity, update: UpdateEntity, journal: CachedJournal): Promise<void> {
    const problems = journal.replayer.problems;
    for (const problem of problems.slice(journal.problemsLogged)) this.logger.warn(`journal replay of update ${update.id}: ${problem}`);
    journal.problemsLogged = problems.length;
    const snapshot = journal.replayer.snapshot();
    // Go `features,omitempty`: only a version 4 state carries features.
    const untyped = snapshot.features.length > 0 ? snapshot : { version: snapshot.version, deployment: snapshot.deployment };
    const key = this.checkpoints.key(stack.id, update.version);
    await this.checkpoints.write(key, [Buffer.from(JSON.stringify(untyped), 'utf8')]);
    await this.lifecycle.commitCheckpoint(stack, update, key, snapshot.deployment.resources?.length ?? 0);
    journal.dirty = false;
  }

  /** Runs `fn` after every earlier call for the same update has finished (in this process). */
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
