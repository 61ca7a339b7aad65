import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { applyCheckpointDelta, applyTextEdits, CheckpointDeltaError, sha256Hex, type TextEdit } from './text-edits.util';

const edit = (start: number, end: number, text: string): TextEdit => ({ start, end, newText: Buffer.from(text, 'utf8') });
const apply = (base: string, edits: TextEdit[]): string => applyTextEdits(Buffer.from(base, 'utf8'), edits).toString('utf8');

function deltaError(fn: () => unknown, kind: CheckpointDeltaError['kind']): void {
  assert.throws(fn, (e: unknown) => e instanceof CheckpointDeltaError && e.kind === kind);
}

void describe('applyTextEdits', () => {
  void it('uses UTF-8 byte offsets, not string indices', () => {
    // "ü" is 2 bytes, "✓" 3 and "😀" 4: the byte offsets of "b" and "c" differ from their JS indices.
    const base = 'ü✓😀b-c';
    const bytes = Buffer.from(base, 'utf8');
    const b = bytes.indexOf('b');
    const c = bytes.indexOf('c');
    assert.equal(b, 9);
    assert.notEqual(b, base.indexOf('b'));
    assert.equal(apply(base, [edit(b, b + 1, 'ß'), edit(c, c + 1, '€')]), 'ü✓😀ß-€');
    // Replacing one multibyte character by its bytes.
    assert.equal(apply(base, [edit(2, 5, 'tick')]), 'ütick😀b-c');
  });

  void it('applies edits given in any order (stable-sorted by start)', () => {
    const base = '0123456789';
    assert.equal(apply(base, [edit(8, 9, 'H'), edit(0, 1, 'A'), edit(4, 6, '')]), 'A123' + '67H9');
    // Two inserts at the same offset keep the order the client sent them in.
    assert.equal(apply(base, [edit(5, 5, 'x'), edit(2, 3, 'T'), edit(5, 5, 'y')]), '01T34xy56789');
  });

  void it('returns the baseline unchanged for no edits', () => {
    const base = Buffer.from('{"version":3}');
    const out = applyTextEdits(base, []);
    assert.ok(out.equals(base));
    assert.notEqual(out, base, 'a copy, never the baseline buffer itself');
  });

  void it('applies edits at the very end and the very start', () => {
    assert.equal(apply('abc', [edit(3, 3, 'de')]), 'abcde');
    assert.equal(apply('abc', [edit(1, 3, 'XY')]), 'aXY');
    assert.equal(apply('abc', [edit(0, 0, '>')]), '>abc');
    assert.equal(apply('', [edit(0, 0, 'new')]), 'new');
    assert.equal(apply('abc', [edit(0, 3, '')]), '');
  });

  void it('refuses overlapping, reversed or out-of-range spans', () => {
    deltaError(() => apply('abcdef', [edit(1, 4, 'x'), edit(3, 5, 'y')]), 'invalid-edit');
    deltaError(() => apply('abc', [edit(2, 1, 'x')]), 'invalid-edit');
    deltaError(() => apply('abc', [edit(2, 4, 'x')]), 'invalid-edit');
    deltaError(() => apply('abc', [edit(-1, 1, 'x')]), 'invalid-edit');
    deltaError(() => apply('abc', [edit(0.5, 1, 'x')]), 'invalid-edit');
  });

  void it('leaves the baseline buffer untouched', () => {
    const base = Buffer.from('hello world');
    applyTextEdits(base, [edit(0, 5, 'HELLO')]);
    assert.equal(base.toString(), 'hello world');
  });
});

void describe('applyCheckpointDelta', () => {
  const base = Buffer.from('{"version":3,"deployment":{"manifest":{},"resources":[{"urn":"a"},{"urn":"b — ü"}]}}', 'utf8');

  void it('returns the new text when checkpointHash matches (lowercase hex SHA-256)', () => {
    const start = base.indexOf('{"urn":"b');
    const end = base.indexOf(']');
    const expected = Buffer.concat([base.subarray(0, start), Buffer.from('{"urn":"c ✓"}'), base.subarray(end)]);
    const hash = createHash('sha256').update(expected).digest('hex');
    assert.equal(sha256Hex(expected), hash);
    const result = applyCheckpointDelta(base, [edit(start, end, '{"urn":"c ✓"}')], hash);
    assert.ok(result.text.equals(expected));
    assert.equal(result.hash, hash);
    // Upper-case hex from a client is the same digest.
    assert.ok(applyCheckpointDelta(base, [edit(start, end, '{"urn":"c ✓"}')], hash.toUpperCase()).text.equals(expected));
  });

  void it('refuses a result whose hash differs', () => {
    const wrong = sha256Hex(Buffer.from('something else'));
    deltaError(() => applyCheckpointDelta(base, [edit(0, 0, ' ')], wrong), 'hash-mismatch');
    // Offsets taken as string indices instead of bytes produce a different text, caught by the hash.
    const asString = base.toString('utf8');
    const intended = asString.replace('b — ü', 'z');
    const i = asString.indexOf('b — ü');
    deltaError(() => applyCheckpointDelta(base, [edit(i, i + 'b — ü'.length, 'z')], sha256Hex(Buffer.from(intended, 'utf8'))), 'hash-mismatch');
  });
});
