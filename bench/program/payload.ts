import { createHash } from 'node:crypto';

/** Output bytes per resource, as in hatemosphere/pulumi-backend's benchmark (16 KB padding). */
export const DEFAULT_PAYLOAD_BYTES = 16 * 1024;

/**
 * A resource's padding: `bytes` hex characters from a SHA-256 chain seeded with `seed/index`.
 * Deterministic (every backend stores the same state), different for every resource and only
 * about 2:1 compressible, so gzip at rest or on the wire cannot make the state vanish.
 *
 * The dynamic provider in payload-program.ts computes the same string inline: provider code is
 * serialised into the state and runs in `pulumi-resource-pulumi-nodejs`, so it cannot import this.
 */
export function payloadHex(seed: string, index: number, bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  let block = createHash('sha256').update(`${seed}/${index}`).digest('hex');
  while (length < bytes) {
    parts.push(block);
    length += block.length;
    block = createHash('sha256').update(block).digest('hex');
  }
  return parts.join('').slice(0, bytes);
}
