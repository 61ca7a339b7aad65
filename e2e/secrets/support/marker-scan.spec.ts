import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { findMarkers, needlesFor, newMarker, type StoredBlob } from './marker-scan';

const blob = (bytes: Buffer | string): StoredBlob => ({ where: 'file test', store: 'data-dir', bytes: Buffer.from(bytes) });

describe('marker scan', () => {
  it('makes high-entropy markers', () => {
    assert.match(newMarker('scan'), /^scan-[0-9a-f]{24}$/);
    assert.notEqual(newMarker('scan'), newMarker('scan'));
  });

  it('finds a marker base64-encoded at any position of a longer text, in both alphabets', () => {
    const marker = newMarker('scan');
    for (let before = 0; before < 6; before++) {
      for (let after = 0; after < 4; after++) {
        const text = Buffer.concat([randomBytes(before), Buffer.from(marker), randomBytes(after)]);
        for (const encoded of [text.toString('base64'), text.toString('base64url')]) {
          const hits = findMarkers([blob(`{"v":"${encoded}"}`)], { marker });
          assert.ok(hits.length > 0 && hits.every((h) => h.encoding.startsWith('base64')), `missed with ${before} bytes before and ${after} after`);
        }
      }
    }
  });

  it('finds plaintext, JSON-escaped and hex forms and says where', () => {
    const quoted = `${newMarker('scan')}"<&`;
    const hits = findMarkers([blob(`xx${JSON.stringify({ a: quoted })}`), blob(`{"b":"${JSON.stringify(quoted).slice(1, -1).replace('<', '\\u003c').replace('&', '\\u0026')}"}`)], { quoted });
    const encodings = new Set(hits.map((h) => h.encoding));
    assert.ok(encodings.has('JSON-escaped') && encodings.has('JSON-escaped (Go)'), [...encodings].join(', '));
    assert.equal(hits.find((h) => h.encoding === 'JSON-escaped')?.offset, 8);
    assert.equal(hits[0].before, 'xx{"a":"');

    const marker = newMarker('scan');
    assert.equal(findMarkers([blob(`0x${Buffer.from(marker).toString('hex')}`)], { marker })[0]?.encoding, 'hex');
    assert.equal(findMarkers([blob(marker)], { marker })[0]?.encoding, 'plaintext');
  });

  it('refuses needles short enough to match by chance', () => {
    assert.throws(() => needlesFor('short'), /too short/);
  });
});
