import type { JournalReplayer } from '@stackyard/stacks-domain';

/** One journaling update's replay state in this process. */
export interface CachedJournal {
  readonly updateId: string;
  readonly stackId: string;
  /** The stack version the update writes. */
  readonly version: number;
  readonly replayer: JournalReplayer;
  /** Stored batches 1..batches are in `replayer`. */
  batches: number;
  /** True while entries are in `replayer` that the stored checkpoint does not reflect yet. */
  dirty: boolean;
  /** Replay problems already logged. */
  problemsLogged: number;
}

/**
 * Replayers of running journaling updates, least recently used evicted first, bounded by updates
 * and by the number of entries they hold. A miss is never an error: the replayer is rebuilt from
 * the update's base checkpoint and its stored batches, which is also how another api replica or a
 * restarted one continues an update.
 */
export class JournalReplayerCache {
  private readonly entries = new Map<string, CachedJournal>();

  constructor(
    readonly maxUpdates = 64,
    readonly maxEntries = 500_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(updateId: string): CachedJournal | undefined {
    const entry = this.entries.get(updateId);
    if (entry) {
      // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
      this.entries.delete(updateId);
      this.entries.set(updateId, entry);
    }
    return entry;
  }

  set(entry: CachedJournal): void {
    this.entries.delete(entry.updateId);
    this.entries.set(entry.updateId, entry);
    this.trim();
  }

  /** Call after entries were added to a cached replayer, to keep the bound. */
  trim(): void {
    let total = 0;
    for (const e of this.entries.values()) total += e.replayer.entryCount;
    while (this.entries.size > 0 && (this.entries.size > this.maxUpdates || total > this.maxEntries)) {
      const oldest = this.entries.keys().next().value as string;
      total -= this.entries.get(oldest)?.replayer.entryCount ?? 0;
      this.entries.delete(oldest);
    }
  }

  delete(updateId: string): void {
    this.entries.delete(updateId);
  }
}
