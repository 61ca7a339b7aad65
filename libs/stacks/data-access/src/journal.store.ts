import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { StackObjects } from './stack-objects';

/** Where a journaling update's replay starts: the stack's head when the update started. */
export interface JournalBaseMarker {
  readonly updateId: string;
  /** The checkpoint object of the head at start, or null for a stack without state. */
  readonly baseObjectKey: string | null;
  /** The CLI version from the start request (the replayed manifest names it), '' when unknown. */
  readonly cliVersion?: string;
}

/** One acknowledged `PATCH …/journalentries` batch, as stored. */
export interface JournalBatchRecord {
  readonly updateId: string;
  /** 1, 2, 3, … per update: batches are stored under consecutive numbers. */
  readonly batch: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The batch's entries as received (JSON values; the replayer validates them). */
  readonly entries: unknown[];
}

/**
 * Journal entries of journaling updates (pulumi-protocol.md §3.6) in the object store, under
 * `stacks/<stackId>/journal/<version>/`: a `base.json` marker written at start and one gzip object
 * per accepted batch, `<n>.json.gz` with n = 1, 2, 3, …. Consecutive numbers let any api replica
 * (or a restarted one) find every batch without listing the store: it reads 1, 2, … until one is
 * missing. Everything lives under the stack's prefix, is sealed like every object of the stack
 * (StackObjects: the batch is gzipped, then sealed) and is deleted with the stack; keeping it out
 * of the database avoids a schema change.
 */
@Injectable()
export class JournalStore {
  constructor(private readonly objects: StackObjects) {}

  prefix(stackId: string, version: number): string {
    return `stacks/${stackId}/journal/${version}/`;
  }

  baseKey(stackId: string, version: number): string {
    return `${this.prefix(stackId, version)}base.json`;
  }

  batchKey(stackId: string, version: number, batch: number): string {
    return `${this.prefix(stackId, version)}${batch}.json.gz`;
  }

  async writeBase(stackId: string, version: number, marker: JournalBaseMarker): Promise<void> {
    const body = Buffer.from(JSON.stringify({ updateId: marker.updateId, baseObjectKey: marker.baseObjectKey, cliVersion: marker.cliVersion ?? '' }));
    await this.objects.put(stackId, this.baseKey(stackId, version), body);
  }

  /**
   * The marker, or undefined when there is none or its JSON is unusable. A sealed marker that
   * does not open throws (StoredObjectError).
   */
  async readBase(stackId: string, version: number): Promise<JournalBaseMarker | undefined> {
    const body = await this.objects.read(stackId, this.baseKey(stackId, version), 'json');
    if (!body) return undefined;
    try {
      const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const key = v['baseObjectKey'];
      if (typeof v['updateId'] !== 'string' || (key !== null && typeof key !== 'string')) return undefined;
      return { updateId: v['updateId'], baseObjectKey: key, cliVersion: typeof v['cliVersion'] === 'string' ? v['cliVersion'] : '' };
    } catch {
      return undefined;
    }
  }

  async writeBatch(stackId: string, version: number, record: JournalBatchRecord): Promise<void> {
    const body = gzipSync(Buffer.from(JSON.stringify(record)), { level: constants.Z_BEST_SPEED });
    await this.objects.put(stackId, this.batchKey(stackId, version, record.batch), body);
  }

  /** Batch `n`, or undefined when it was never stored. Throws when it exists but is unreadable. */
  async readBatch(stackId: string, version: number, batch: number): Promise<JournalBatchRecord | undefined> {
    const body = await this.objects.read(stackId, this.batchKey(stackId, version, batch), 'gzip');
    if (!body) return undefined;
    const v = JSON.parse(gunzipSync(body).toString('utf8')) as JournalBatchRecord;
    if (!v || typeof v.updateId !== 'string' || !Array.isArray(v.entries)) {
      throw new Error(`journal batch ${this.batchKey(stackId, version, batch)} is not a journal batch`);
    }
    return v;
  }
}
