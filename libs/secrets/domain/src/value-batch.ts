import type { KeyObject } from 'node:crypto';
import { EnvelopeError, type EnvelopeFailure } from './secrets.errors';
import { freshNonces, openValue, readEnvelopeHeader, sealValue } from './value-envelope';

/**
 * Whole batches of values, as the secrets service opens and seals them: the same envelopes as
 * value-envelope.ts, plus the two things a batch adds — one outcome for the lot (every value, or
 * the first one that failed and why), and a flat form that crosses a thread boundary as one
 * transferable buffer instead of thousands of small ones.
 */
export type BatchOutcome = { ok: true; values: Buffer[] } | { ok: false; index: number; reason: EnvelopeFailure };

/** The data keys a batch may need, by version; a version missing here fails as `unknown-key-version`. */
export type DataKeysByVersion = ReadonlyMap<number, KeyObject>;

/** Opens every envelope, stopping at the first that does not open (its index within `envelopes`). */
export function openBatch(keys: DataKeysByVersion, stackId: string, envelopes: readonly Buffer[]): BatchOutcome {
  const values: Buffer[] = new Array<Buffer>(envelopes.length);
  for (let index = 0; index < envelopes.length; index++) {
    const envelope = envelopes[index];
    try {
      const { keyVersion } = readEnvelopeHeader(envelope);
      const key = keys.get(keyVersion);
      if (!key) return { ok: false, index, reason: 'unknown-key-version' };
      values[index] = openValue(key, keyVersion, stackId, envelope);
    } catch (error) {
      if (error instanceof EnvelopeError) return { ok: false, index, reason: error.reason };
      throw error;
    }
  }
  return { ok: true, values };
}

/** Seals every plaintext with one key version, each with a fresh nonce. */
export function sealBatch(key: KeyObject, keyVersion: number, stackId: string, plaintexts: readonly Buffer[]): Buffer[] {
  const nonces = freshNonces(plaintexts.length);
  return plaintexts.map((plaintext, i) => sealValue(key, keyVersion, stackId, plaintext, nonces[i]));
}

/** Many buffers as one: their bytes back to back, and each one's length. */
export interface PackedBuffers {
  data: Uint8Array;
  lengths: Uint32Array;
}

/** Copies `buffers` into one fresh allocation (its ArrayBuffer owned alone, so it can be transferred). */
export function packBuffers(buffers: readonly Buffer[]): PackedBuffers {
  const lengths = new Uint32Array(buffers.length);
  let total = 0;
  for (let i = 0; i < buffers.length; i++) {
    lengths[i] = buffers[i].length;
    total += buffers[i].length;
  }
  const data = new Uint8Array(new ArrayBuffer(total));
  let offset = 0;
  for (const buffer of buffers) {
    data.set(buffer, offset);
    offset += buffer.length;
  }
  return { data, lengths };
}

/** The buffers of packBuffers, as views of its data (no copies). */
export function unpackBuffers({ data, lengths }: PackedBuffers): Buffer[] {
  const buffers: Buffer[] = new Array<Buffer>(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const end = offset + lengths[i];
    if (end > data.length) throw new RangeError('packed lengths exceed the data');
    buffers[i] = Buffer.from(data.buffer, data.byteOffset + offset, lengths[i]);
    offset = end;
  }
  return buffers;
}
