import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EnvelopeError } from './secrets.errors';
import { ENVELOPE_FORMAT_V1, ENVELOPE_OVERHEAD_BYTES, openValue, readEnvelopeHeader, sealValue } from './value-envelope';

const key = createSecretKey(randomBytes(32));
const stackId = '6f1c2a9e-0b7d-4c3e-9a51-2f8d7e6c5b4a';

function rejects(run: () => unknown, reason: EnvelopeError['reason']): void {
  assert.throws(run, (error: unknown) => error instanceof EnvelopeError && error.reason === reason);
}

void describe('sealValue / openValue', () => {
  void it('round-trips empty, text, binary and large values', () => {
    for (const plaintext of [Buffer.alloc(0), Buffer.from('hunter2'), randomBytes(1), randomBytes(4096), randomBytes(1024 * 1024)]) {
      const sut = sealValue(key, 1, stackId, plaintext);
      assert.equal(sut.length, plaintext.length + ENVELOPE_OVERHEAD_BYTES);
      assert.deepEqual(openValue(key, 1, stackId, sut), plaintext);
    }
  });

  void it('lays out format, key version, nonce, ciphertext and tag as documented', () => {
    const sut = sealValue(key, 0x01020304, stackId, Buffer.from('abc'));
    assert.equal(sut[0], ENVELOPE_FORMAT_V1);
    assert.deepEqual(readEnvelopeHeader(sut), { format: 1, keyVersion: 0x01020304 });
    assert.equal(sut.length, 1 + 4 + 12 + 3 + 16);
    assert.ok(!sut.includes(Buffer.from('abc')), 'the plaintext does not appear in the envelope');
  });

  void it('uses a fresh nonce for every value, so equal plaintexts give different envelopes', () => {
    const a = sealValue(key, 1, stackId, Buffer.from('same'));
    const b = sealValue(key, 1, stackId, Buffer.from('same'));
    assert.notDeepEqual(a.subarray(5, 17), b.subarray(5, 17));
    assert.notDeepEqual(a, b);
  });

  void it('rejects a change to any single byte of the envelope, never returning plaintext', () => {
    const sample = sealValue(key, 1, stackId, Buffer.from('the database password'));
    for (let position = 0; position < sample.length; position++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const tampered = Buffer.from(sample);
        tampered[position] = tampered[position] ^ mask;
        assert.throws(
          () => openValue(key, 1, stackId, tampered),
          (error: unknown) => error instanceof EnvelopeError,
          `byte ${position} xor ${mask} must be rejected`,
        );
      }
    }
  });

  void it('rejects truncation and extension at every length', () => {
    const sample = sealValue(key, 1, stackId, Buffer.from('value'));
    for (let length = 0; length < sample.length; length++) {
      assert.throws(() => openValue(key, 1, stackId, sample.subarray(0, length)), EnvelopeError, `length ${length}`);
    }
    rejects(() => openValue(key, 1, stackId, Buffer.concat([sample, Buffer.of(0)])), 'authentication-failed');
  });

  void it('does not open under another stack id, even one differing only in case', () => {
    const sample = sealValue(key, 1, stackId, Buffer.from('value'));
    rejects(() => openValue(key, 1, 'another-stack', sample), 'authentication-failed');
    rejects(() => openValue(key, 1, stackId.toUpperCase(), sample), 'authentication-failed');
  });

  void it('does not open under another data key', () => {
    const sample = sealValue(key, 1, stackId, Buffer.from('value'));
    rejects(() => openValue(createSecretKey(randomBytes(32)), 1, stackId, sample), 'authentication-failed');
  });

  void it('names the failure: truncated, unsupported format, unknown key version', () => {
    const sample = sealValue(key, 1, stackId, Buffer.from('value'));
    rejects(() => openValue(key, 1, stackId, Buffer.alloc(10)), 'truncated');
    const otherFormat = Buffer.from(sample);
    otherFormat[0] = 2;
    rejects(() => openValue(key, 1, stackId, otherFormat), 'unsupported-format');
    rejects(() => openValue(key, 2, stackId, sample), 'unknown-key-version');
  });
});
