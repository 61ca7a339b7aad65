import { createHash } from 'node:crypto';

/**
 * Delta checkpoints (pulumi-protocol.md §3.5, Mode B): the CLI sends the edits that turn the
 * previous baseline text into the new one (hexops/gotextdiff `TextEdit`s over an LCS diff of
 * resource spans) plus the SHA-256 of the result. Offsets are UTF-8 *byte* offsets, so all of this
 * works on Buffers; a JS string index would be wrong as soon as the state holds non-ASCII text.
 */

/** One replacement: bytes `[start, end)` of the baseline become `newText`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: Buffer;
}

/** A delta that cannot be applied to the baseline; the CLI answers any 4xx with a verbatim upload. */
export class CheckpointDeltaError extends Error {
  constructor(
    readonly kind: 'invalid-edit' | 'hash-mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointDeltaError';
  }
}

/** Lowercase hex SHA-256, the form of the CLI's `checkpointHash`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Applies `edits` to `base` like gotextdiff's `ApplyEdits`: edits are stable-sorted by start offset,
 * must not overlap and must lie inside the baseline (end exclusive). The result is one new buffer;
 * `base` is left untouched. Throws `CheckpointDeltaError` ('invalid-edit').
 */
export function applyTextEdits(base: Uint8Array, edits: readonly TextEdit[]): Buffer {
  // Array.prototype.sort is stable (ES2019), so equal starts keep the order the client sent.
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let last = 0;
  let size = 0;
  for (const [i, edit] of sorted.entries()) {
    const { start, end } = edit;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new CheckpointDeltaError('invalid-edit', `edit ${i} has an invalid span [${start}, ${end})`);
    }
    if (end > base.length) throw new CheckpointDeltaError('invalid-edit', `edit ${i} ends at byte ${end}, past the baseline's ${base.length} bytes`);
    if (start < last) throw new CheckpointDeltaError('invalid-edit', `edit ${i} at byte ${start} overlaps the previous edit (ending at ${last})`);
    size += start - last + edit.newText.length;
    last = end;
  }
  size += base.length - last;

  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  last = 0;
  for (const edit of sorted) {
    pos += copy(base, out, pos, last, edit.start);
    pos += edit.newText.copy(out, pos);
    last = edit.end;
  }
  pos += copy(base, out, pos, last, base.length);
  return out;
}

/**
 * Applies the edits and checks the result against the client's `checkpointHash` (lowercase hex
 * SHA-256). Returns the new text and its hash; throws `CheckpointDeltaError` ('invalid-edit' or
 * 'hash-mismatch').
 */
export function applyCheckpointDelta(base: Uint8Array, edits: readonly TextEdit[], expectedHash: string): { text: Buffer; hash: string } {
  const text = applyTextEdits(base, edits);
  const hash = sha256Hex(text);
  if (hash !== expectedHash.toLowerCase()) {
    throw new CheckpointDeltaError('hash-mismatch', `the result of the delta does not match checkpointHash (expected ${expectedHash}, got ${hash})`);
  }
  return { text, hash };
}

function copy(from: Uint8Array, to: Buffer, at: number, start: number, end: number): number {
  if (end <= start) return 0;
  to.set(from.subarray(start, end), at);
  return end - start;
}
