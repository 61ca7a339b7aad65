import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  isSealedObject,
  OBJECT_ENVELOPE_OVERHEAD_BYTES,
  OBJECT_ENVELOPE_PREFIX_BYTES,
  ObjectEnvelopeError,
  ObjectOpener,
  ObjectSealer,
  openObject,
  readObjectKeyVersion,
  sealObject,
} from './object-envelope';

const key = createSecretKey(randomBytes(32));
const otherKey = createSecretKey(randomBytes(32));
const STACK = '3b0f9a56-8d1e-4c7b-a2f4-6e5d4c3b2a19';
const PATH = `stacks/${STACK}/checkpoints/7.json.gz`;
const plaintext = gzipSync(Buffer.from(JSON.stringify({ version: 3, deployment: { resources: [{ urn: 'urn:pulumi:dev::p::t::a', outputs: { note: 'x'.repeat(300) } }] } })));

const fails = (fn: () => unknown, problem: ObjectEnvelopeError['problem']) =>
  assert.throws(fn, (error: unknown) => error instanceof ObjectEnvelopeError && error.problem === problem);

/** Feeds `bytes` to an opener in pieces of `size` and returns the authenticated plaintext. */
function openInPieces(envelope: Buffer, size: number, stackId = STACK, path = PATH): Buffer {
  const opener = new ObjectOpener(key, stackId, path, envelope.subarray(0, OBJECT_ENVELOPE_PREFIX_BYTES));
  const out: Buffer[] = [];
  for (let at = OBJECT_ENVELOPE_PREFIX_BYTES; at < envelope.length; at += size) out.push(opener.update(envelope.subarray(at, Math.min(envelope.length, at + size))));
  opener.final();
  return Buffer.concat(out);
}

void describe('object envelope', () => {
  void it('round-trips, with the magic and the key version in front and 36 bytes of overhead', () => {
    const sealed = sealObject(key, 3, STACK, PATH, plaintext);
    assert.equal(sealed.subarray(0, 4).toString('latin1'), 'SYO1');
    assert.equal(readObjectKeyVersion(sealed), 3);
    assert.equal(sealed.length, plaintext.length + OBJECT_ENVELOPE_OVERHEAD_BYTES);
    assert.ok(isSealedObject(sealed));
    assert.ok(!sealed.includes(plaintext.subarray(20, 60)), 'the ciphertext does not carry the plaintext');
    assert.deepEqual(openObject(key, 3, STACK, PATH, sealed), plaintext);
  });

  void it('seals every object with a fresh nonce', () => {
    const a = sealObject(key, 1, STACK, PATH, plaintext);
    const b = sealObject(key, 1, STACK, PATH, plaintext);
    assert.notDeepEqual(a.subarray(8, 20), b.subarray(8, 20));
    assert.notDeepEqual(a, b);
  });

  void it('streams: any split of the plaintext seals, any split of the envelope opens', () => {
    const sealer = new ObjectSealer(key, 2, STACK, PATH);
    const parts = [sealer.prefix];
    for (let at = 0; at < plaintext.length; at += 7) parts.push(sealer.update(plaintext.subarray(at, at + 7)));
    parts.push(sealer.final());
    const sealed = Buffer.concat(parts);
    assert.deepEqual(openObject(key, 2, STACK, PATH, sealed), plaintext);
    for (const size of [1, 5, 15, 16, 17, 64, 1000, sealed.length]) assert.deepEqual(openInPieces(sealed, size), plaintext, `pieces of ${size}`);
  });

  void it('seals an empty plaintext', () => {
    const sealed = sealObject(key, 1, STACK, PATH, Buffer.alloc(0));
    assert.equal(sealed.length, OBJECT_ENVELOPE_OVERHEAD_BYTES);
    assert.equal(openObject(key, 1, STACK, PATH, sealed).length, 0);
  });

  void it('refuses every single flipped bit of every byte (header, nonce, ciphertext, tag)', () => {
    const small = Buffer.from('{"updateId":"u","sequenceNumber":3,"sha256":"ab"}');
    const sealed = sealObject(key, 1, STACK, PATH, small);
    for (let i = 0; i < sealed.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Buffer.from(sealed);
        tampered[i] ^= bit;
        assert.throws(
          () => openObject(key, 1, STACK, PATH, tampered),
          (error: unknown) => error instanceof ObjectEnvelopeError,
          `byte ${i} bit ${bit} flipped still opens`,
        );
      }
    }
  });

  void it('every byte flip of a large object fails when opened in pieces too', () => {
    const sealed = sealObject(key, 1, STACK, PATH, plaintext);
    for (let i = OBJECT_ENVELOPE_PREFIX_BYTES; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] ^= 0x40;
      fails(() => openInPieces(tampered, 100), 'authentication-failed');
    }
  });

  void it('does not open for another stack, another path, another key or another key version', () => {
    const sealed = sealObject(key, 4, STACK, PATH, plaintext);
    fails(() => openObject(key, 4, '9c8b7a6f-5e4d-4c3b-8a29-1f0e0d0c0b0a', PATH, sealed), 'authentication-failed');
    fails(() => openObject(key, 4, STACK, `stacks/${STACK}/checkpoints/8.json.gz`, sealed), 'authentication-failed');
    fails(() => openObject(key, 4, STACK, `stacks/${STACK}/journal/7/1.json.gz`, sealed), 'authentication-failed');
    fails(() => openObject(otherKey, 4, STACK, PATH, sealed), 'authentication-failed');
    fails(() => openObject(key, 5, STACK, PATH, sealed), 'key-version-mismatch');
    // Relabelling the version in the header (to make the reader pick another key) is caught too.
    const relabelled = Buffer.from(sealed);
    relabelled.writeUInt32BE(5, 4);
    fails(() => openObject(key, 5, STACK, PATH, relabelled), 'authentication-failed');
  });

  void it('length-prefixes stack id and path, so shifting a character between them does not open', () => {
    const sealed = sealObject(key, 1, 'ab', 'c/d', plaintext);
    fails(() => openObject(key, 1, 'a', 'bc/d', sealed), 'authentication-failed');
  });

  void it('refuses truncated envelopes', () => {
    const sealed = sealObject(key, 1, STACK, PATH, plaintext);
    for (const length of [4, 8, 19, 20, 35, sealed.length - 1]) {
      assert.throws(() => openObject(key, 1, STACK, PATH, sealed.subarray(0, length)), ObjectEnvelopeError, `length ${length}`);
    }
    fails(() => openInPieces(sealed.subarray(0, 30), 3), 'truncated');
  });

  void it('legacy objects (gzip, JSON) are not sealed: the stores read them as they are', () => {
    assert.ok(!isSealedObject(plaintext));
    assert.ok(!isSealedObject(Buffer.from('{"updateId":"u"}')));
    assert.ok(!isSealedObject(Buffer.from('SYO')));
    fails(() => openObject(key, 1, STACK, PATH, plaintext), 'not-sealed');
    fails(() => readObjectKeyVersion(Buffer.from('{"a":1}')), 'not-sealed');
  });

  void it('refuses keys that are not 32-byte secrets and versions outside u32 ≥ 1', () => {
    fails(() => sealObject(createSecretKey(randomBytes(16)), 1, STACK, PATH, plaintext), 'bad-key');
    assert.throws(() => sealObject(key, 0, STACK, PATH, plaintext), RangeError);
    assert.throws(() => sealObject(key, 2 ** 32, STACK, PATH, plaintext), RangeError);
  });
});
