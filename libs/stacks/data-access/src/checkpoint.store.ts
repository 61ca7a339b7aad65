import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { StackObjects } from './stack-objects';

/**
 * Checkpoints (UntypedDeployment JSON) in the object store, gzip-compressed and then sealed with
 * the stack's object key (StackObjects). The bytes arrive as a list of slices of the request body
 * and stream through gzip and encryption into the store, so a large state is never copied whole
 * again on its way.
 */
@Injectable()
export class CheckpointStore {
  constructor(private readonly objects: StackObjects) {}

  key(stackId: string, version: number, variant = ''): string {
    return `stacks/${stackId}/checkpoints/${version}${variant ? `-${variant}` : ''}.json.gz`;
  }

  async write(stackId: string, key: string, pieces: Buffer[]): Promise<void> {
    // Speed over ratio: state JSON compresses well even at level 1, and checkpoints sit on the
    // update's critical path.
    const gzip = createGzip({ level: constants.Z_BEST_SPEED });
    const source = Readable.from(pieces, { objectMode: false });
    await Promise.all([pipeline(source, gzip), this.objects.putStream(stackId, key, gzip)]);
  }

  /**
   * The gzip bytes as stored before sealing, for answering clients that accept gzip without
   * inflating. A sealed checkpoint is read and authenticated whole first (one copy of its gzip
   * bytes in memory); a plain one streams from the store.
   */
  openCompressed(stackId: string, key: string): Promise<Readable | undefined> {
    return this.objects.open(stackId, key, 'gzip');
  }

  async openText(stackId: string, key: string): Promise<Readable | undefined> {
    const compressed = await this.openCompressed(stackId, key);
    if (!compressed) return undefined;
    const gunzip = createGunzip();
    compressed.on('error', (error) => gunzip.destroy(error));
    return compressed.pipe(gunzip);
  }

  async readText(stackId: string, key: string): Promise<Buffer | undefined> {
    const text = await this.openText(stackId, key);
    if (!text) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of text as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async deleteStack(stackId: string): Promise<void> {
    await this.objects.deleteStack(stackId);
  }
}
