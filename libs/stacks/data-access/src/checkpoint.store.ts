import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import type { ObjectStore } from '@stackyard/shared-storage';

export const OBJECT_STORE = Symbol('ObjectStore');

/**
 * Checkpoints (UntypedDeployment JSON) in the object store, gzip-compressed. The bytes arrive as a
 * list of slices of the request body and stream through gzip into the store, so a large state is
 * never copied whole again on its way.
 */
@Injectable()
export class CheckpointStore {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  key(stackId: string, version: number, variant = ''): string {
    return `stacks/${stackId}/checkpoints/${version}${variant ? `-${variant}` : ''}.json.gz`;
  }

  async write(key: string, pieces: Buffer[]): Promise<void> {
    // Speed over ratio: state JSON compresses well even at level 1, and checkpoints sit on the
    // update's critical path.
    const gzip = createGzip({ level: constants.Z_BEST_SPEED });
    const source = Readable.from(pieces, { objectMode: false });
    const done = this.store.put(key, gzip, { contentType: 'application/json' });
    await Promise.all([pipeline(source, gzip), done]);
  }

  /** The stored gzip bytes, for answering clients that accept gzip without inflating. */
  openCompressed(key: string): Promise<Readable | undefined> {
    return this.store.get(key);
  }

  async openText(key: string): Promise<Readable | undefined> {
    const compressed = await this.store.get(key);
    if (!compressed) return undefined;
    const gunzip = createGunzip();
    compressed.on('error', (error) => gunzip.destroy(error));
    return compressed.pipe(gunzip);
  }

  async readText(key: string): Promise<Buffer | undefined> {
    const text = await this.openText(key);
    if (!text) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of text as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async deleteStack(stackId: string): Promise<void> {
    await this.store.deletePrefix(`stacks/${stackId}/`);
  }
}
