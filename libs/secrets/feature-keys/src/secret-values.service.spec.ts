import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import type { DataKey, DataKeyService } from './data-key.service';
import { MAX_VALUES_PER_REQUEST } from './secret-values.dto';
import { SecretValuesService } from './secret-values.service';

/** Keys per stack in memory, so these tests exercise validation and envelopes only. */
class FakeDataKeys {
  readonly keys = new Map<string, DataKey>();
  forEncrypt(stackId: string): Promise<DataKey> {
    if (!this.keys.has(stackId)) this.keys.set(stackId, { version: 1, key: createSecretKey(randomBytes(32)) });
    return Promise.resolve(this.keys.get(stackId)!);
  }
  forDecrypt(stackId: string, version: number): Promise<DataKey | undefined> {
    const key = this.keys.get(stackId);
    return Promise.resolve(key?.version === version ? key : undefined);
  }
}

function setup() {
  const keys = new FakeDataKeys();
  return { keys, sut: new SecretValuesService(keys as unknown as DataKeyService) };
}

async function rejects400(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof ApiError && error.status === 400 && pattern.test(error.message));
}

void describe(SecretValuesService.name, () => {
  void it('round-trips values in order', async () => {
    const { sut } = setup();
    const plaintexts = ['', Buffer.from('a').toString('base64'), randomBytes(100).toString('base64')];
    const { ciphertexts } = await sut.encrypt('s1', { plaintexts });
    assert.equal(ciphertexts.length, 3);
    assert.deepEqual((await sut.decrypt('s1', { ciphertexts })).plaintexts, plaintexts);
  });

  void it('answers empty batches without creating a key', async () => {
    const { sut, keys } = setup();
    assert.deepEqual(await sut.encrypt('s1', { plaintexts: [] }), { ciphertexts: [] });
    assert.deepEqual(await sut.decrypt('s1', { ciphertexts: [] }), { plaintexts: [] });
    assert.equal(keys.keys.size, 0);
  });

  void it('rejects malformed requests with 400', async () => {
    const { sut } = setup();
    await rejects400(sut.encrypt('s1', undefined), /JSON object/);
    await rejects400(sut.encrypt('s1', []), /JSON object/);
    await rejects400(sut.encrypt('s1', { plaintexts: 'aGk=' }), /plaintexts must be an array/);
    await rejects400(sut.encrypt('s1', { plaintexts: ['aGk=', 5] }), /plaintexts\[1\]/);
    await rejects400(sut.encrypt('s1', { plaintexts: ['not base64!'] }), /plaintexts\[0\] must be a standard base64/);
    await rejects400(sut.encrypt('s1', { plaintexts: ['aGk'] }), /standard base64/);
    await rejects400(sut.encrypt('s1', { plaintexts: ['_-8='] }), /standard base64/);
    await rejects400(sut.encrypt('s1', { plaintexts: Array<string>(MAX_VALUES_PER_REQUEST + 1).fill('') }), /at most/);
    await rejects400(sut.decrypt('s1', { plaintexts: [] }), /ciphertexts must be an array/);
  });

  void it('rejects stack ids outside the safe alphabet', async () => {
    const { sut } = setup();
    await rejects400(sut.encrypt('a/b', { plaintexts: [] }), /stack id/);
    await rejects400(sut.encrypt('x'.repeat(65), { plaintexts: [] }), /stack id/);
  });

  void it('answers 400 for a stack without a key, a foreign stack, and tampered values', async () => {
    const { sut } = setup();
    const { ciphertexts } = await sut.encrypt('s1', { plaintexts: ['c2VjcmV0'] });
    await rejects400(sut.decrypt('never', { ciphertexts }), /has no data key/);
    await sut.encrypt('s2', { plaintexts: ['eA=='] });
    await rejects400(sut.decrypt('s2', { ciphertexts }), /ciphertexts\[0\] cannot be decrypted for this stack \(authentication-failed\)/);
    const tampered = Buffer.from(ciphertexts[0], 'base64');
    tampered[tampered.length - 1] = tampered[tampered.length - 1] ^ 1;
    await rejects400(sut.decrypt('s1', { ciphertexts: [ciphertexts[0], tampered.toString('base64')] }), /ciphertexts\[1\]/);
    await rejects400(sut.decrypt('s1', { ciphertexts: ['AAAA'] }), /truncated/);
  });
});
