import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { LocalKeyProvider, localKeyId, parseLocalKey } from './local-key-provider';
import { KeyUnwrapError } from './secrets.errors';

void describe('parseLocalKey', () => {
  const key = randomBytes(32);

  void it('accepts 32 raw bytes (Pulumi compose installs)', () => {
    assert.deepEqual(parseLocalKey(key), key);
  });

  void it('accepts 64 hex digits with a trailing newline', () => {
    assert.deepEqual(parseLocalKey(Buffer.from(`${key.toString('hex')}\n`)), key);
  });

  void it('accepts base64 and base64url of 32 bytes', () => {
    assert.deepEqual(parseLocalKey(Buffer.from(key.toString('base64'))), key);
    assert.deepEqual(parseLocalKey(Buffer.from(`${key.toString('base64url')}\n`)), key);
  });

  void it('accepts a 32-character string, as Pulumi EKS/local-docker installs write, using its bytes', () => {
    const text = 'Zr8qL2vX0pN5tW7yB3cD9fH1jK4mS6uA';
    assert.deepEqual(parseLocalKey(Buffer.from(`${text}\n`)), Buffer.from(text));
  });

  void it('rejects other sizes and all-same bytes without echoing the content', () => {
    const secretish = 'tooShortButSecret';
    assert.throws(() => parseLocalKey(Buffer.from(secretish)), (e: Error) => /256-bit key/.test(e.message) && !e.message.includes(secretish));
    assert.throws(() => parseLocalKey(Buffer.alloc(32)), /variety/);
  });
});

void describe(LocalKeyProvider.name, () => {
  const kek = randomBytes(32);
  const sut = new LocalKeyProvider(kek);
  const dataKey = randomBytes(32);

  void it('names its key by a fingerprint that is stable and does not reveal the key', () => {
    assert.equal(sut.keyId, localKeyId(kek));
    assert.equal(sut.keyId, new LocalKeyProvider(Buffer.from(kek)).keyId);
    assert.match(sut.keyId, /^local:[0-9a-f]{16}$/);
    assert.ok(!sut.keyId.includes(kek.toString('hex').slice(0, 16)));
  });

  void it('wraps and unwraps a data key for the same context', async () => {
    const wrapped = await sut.wrap(dataKey, 'stack:a');
    assert.equal(wrapped.keyId, sut.keyId);
    assert.equal(wrapped.keyVersion, 1);
    assert.ok(!wrapped.wrapped.includes(dataKey), 'the wrapped form does not contain the key');
    assert.deepEqual(await sut.unwrap(wrapped, 'stack:a'), dataKey);
  });

  void it('refuses another context (a wrapped key copied to another stack row)', async () => {
    const wrapped = await sut.wrap(dataKey, 'stack:a');
    await assert.rejects(sut.unwrap(wrapped, 'stack:b'), KeyUnwrapError);
  });

  void it('refuses a wrapped key under the wrong KEK, whether or not the label is forged', async () => {
    const wrapped = await sut.wrap(dataKey, 'stack:a');
    const other = new LocalKeyProvider(randomBytes(32));
    await assert.rejects(other.unwrap(wrapped, 'stack:a'), /configured one is/);
    await assert.rejects(other.unwrap({ ...wrapped, keyId: other.keyId }, 'stack:a'), KeyUnwrapError);
  });

  void it('refuses any single-byte change of the wrapped key', async () => {
    const wrapped = await sut.wrap(dataKey, 'stack:a');
    for (let position = 0; position < wrapped.wrapped.length; position++) {
      const tampered = Buffer.from(wrapped.wrapped);
      tampered[position] = tampered[position] ^ 0x01;
      await assert.rejects(sut.unwrap({ ...wrapped, wrapped: tampered }, 'stack:a'), KeyUnwrapError, `byte ${position}`);
    }
  });
});
