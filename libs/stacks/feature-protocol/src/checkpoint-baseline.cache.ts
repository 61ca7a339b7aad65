/** One update's delta baseline: the exact text its last verbatim/delta checkpoint left. */
export interface CheckpointBaseline {
  readonly updateId: string;
  readonly stackId: string;
  /** The stack version the update writes (its checkpoint object's key). */
  readonly version: number;
  readonly sequenceNumber: number;
  readonly text: Buffer;
  /** Lowercase hex SHA-256 of `text`. */
  readonly hash: string;
  readonly resourceCount: number;
}

const MiB = 1024 * 1024;

/**
 * The last baseline per update, least recently used evicted first, bounded by entries and bytes.
 * A miss is never an error: the baseline is then read back from the stored checkpoint, which is
 * also how another api replica or a restarted one continues an update's delta chain.
 */
export class CheckpointBaselineCache {
  private readonly entries = new Map<string, CheckpointBaseline>();
  private bytes = 0;

  constructor(
    readonly maxEntries = 64,
    readonly maxBytes = 256 * MiB,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(updateId: string): CheckpointBaseline | undefined {
    const entry = this.entries.get(updateId);
    if (entry) {
      // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
      this.entries.delete(updateId);
      this.entries.set(updateId, entry);
    }
    return entry;
  }

  set(entry: CheckpointBaseline): void {
    this.delete(entry.updateId);
    if (entry.text.length > this.maxBytes) return; // too big to keep; misses read the store
    this.entries.set(entry.updateId, entry);
    this.bytes += entry.text.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  delete(updateId: string): void {
    const entry = this.entries.get(updateId);
    if (!entry) return;
    this.entries.delete(updateId);
    this.bytes -= entry.text.length;
  }
}
