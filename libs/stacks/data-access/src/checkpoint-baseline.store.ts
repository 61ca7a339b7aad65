import { Injectable } from '@nestjs/common';
import { StackObjects } from './stack-objects';

/**
 * What a version's checkpoint object holds when it came from `checkpointverbatim` or
 * `checkpointdelta` (pulumi-protocol.md §3.5): the update's last applied sequence number and the
 * SHA-256 of the stored text, which is that update's delta baseline.
 */
export interface CheckpointBaselineMarker {
  readonly updateId: string;
  readonly sequenceNumber: number;
  /** Lowercase hex SHA-256 of the checkpoint object's (inflated) bytes. */
  readonly sha256: string;
}

/**
 * A small JSON object next to each checkpoint written in Mode B, so that any api replica (or the
 * same one after a restart) can continue an update's delta chain from the stored checkpoint. It
 * lives under the stack's prefix, is sealed like every object of the stack (StackObjects) and is
 * deleted with the stack; keeping it out of the database avoids a schema change. The marker and
 * the checkpoint are written separately: readers trust the marker only when its `sha256` matches
 * the checkpoint object they read.
 */
@Injectable()
export class CheckpointBaselineStore {
  constructor(private readonly objects: StackObjects) {}

  key(stackId: string, version: number): string {
    return `stacks/${stackId}/checkpoints/${version}.baseline.json`;
  }

  async write(stackId: string, version: number, marker: CheckpointBaselineMarker): Promise<void> {
    const body = Buffer.from(JSON.stringify({ updateId: marker.updateId, sequenceNumber: marker.sequenceNumber, sha256: marker.sha256 }));
    await this.objects.put(stackId, this.key(stackId, version), body);
  }

  /**
   * The marker, or undefined when there is none or its JSON is unusable (then no delta can
   * continue). A sealed marker that does not open throws (StoredObjectError).
   */
  async read(stackId: string, version: number): Promise<CheckpointBaselineMarker | undefined> {
    const body = await this.objects.read(stackId, this.key(stackId, version), 'json');
    if (!body) return undefined;
    try {
      const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (typeof v['updateId'] !== 'string' || !Number.isSafeInteger(v['sequenceNumber']) || typeof v['sha256'] !== 'string') return undefined;
      return { updateId: v['updateId'], sequenceNumber: v['sequenceNumber'] as number, sha256: v['sha256'] };
    } catch {
      return undefined;
    }
  }
}
