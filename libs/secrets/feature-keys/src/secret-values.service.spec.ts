import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import type { DataKey, DataKeyService } from './data-key.service';
import { MAX_VALUES_PER_REQUEST } from './secret-values.dto';
import { SecretValuesService } from './secret-values.service';
import { MIN_VALUES_PER_PART, splitByBytes, ValueCipherPool } from './value-cipher-pool';

/** Keys per stack in memory, so these tests exercise validation and envelopes only. */
class FakeDataKeys {
  readonly keys = new Map<string, DataKey>();
  lookups = 0;
  forEncrypt(stackId: string): Promise<DataKey> {
    if (!this.keys.has(stackId)) this.keys.set(stackId, { version: 1, key: createSecretKey(randomBytes(32)) });
    return Promise.resolve(this.keys.get(stackId)!);
  }
  forDecrypt(stackId: string, version: number): Promise<DataKey | undefined> {
    this.lookups++;
    const key = this.keys.get(stackId);
    return Promise.resolve(key?.version === version ? key : undefined);
  }
}

const pools: ValueCipherPool[] = [];

/** `cipherWorkers` 0 keeps every batch on this thread; the pool tests below use threads. */
function setup(cipherWorkers = 0) {
  const keys = new FakeDataKeys();
  const pool = new ValueCipherPool({ cacheMaxEntries: 10, cacheTtlMs: 1000, cipherWorkers });
  pools.push(pool);
  return { keys, pool, sut: new SecretValuesService(keys as unknown as DataKeyService, pool) };
}

after(() => Promise.all(pools.map((p) => p.onModuleDestroy())));

/** Values of many sizes, as a stack's secrets are: short passwords and the odd certificate. */
const mixedValues = (count: number): string[] => Array.from({ length: count }, (_, i) => randomBytes(i % 50 === 0 ? 3000 : 24 + (i % 9)).toString('base64'));

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

  void it('answers a large batch the same with worker threads as on one thread', async () => {
    const plaintexts = mixedValues(1000);
    for (const workers of [1, 3]) {
      const { sut, keys } = setup(workers);
      const { ciphertexts } = await sut.encrypt('s1', { plaintexts });
      // Sealed on several threads, opened on one: every envelope is a plain single-thread one.
      const oneThread = new SecretValuesService(keys as unknown as DataKeyService, new ValueCipherPool({ cacheMaxEntries: 1, cacheTtlMs: 1, cipherWorkers: 0 }));
      assert.deepEqual((await oneThread.decrypt('s1', { ciphertexts })).plaintexts, plaintexts, `${workers} worker(s) sealed`);
      assert.deepEqual((await sut.decrypt('s1', { ciphertexts })).plaintexts, plaintexts, `${workers} worker(s) opened`);
      assert.equal(new Set(ciphertexts.map((c) => Buffer.from(c, 'base64').subarray(5, 17).toString('hex'))).size, 1000, 'every nonce differs');
    }
  });

  void it('names the first value that fails, whichever thread opened it', async () => {
    const { sut } = setup(3);
    const { ciphertexts } = await sut.encrypt('s1', { plaintexts: mixedValues(1000) });
    const flip = (i: number): void => {
      const envelope = Buffer.from(ciphertexts[i], 'base64');
      envelope[20] ^= 0x01;
      ciphertexts[i] = envelope.toString('base64');
    };
    // The last value sits in the last worker's part; then one in an earlier part must win.
    flip(999);
    await rejects400(sut.decrypt('s1', { ciphertexts }), /ciphertexts\[999\] cannot be decrypted for this stack \(authentication-failed\)/);
    flip(400);
    await rejects400(sut.decrypt('s1', { ciphertexts }), /ciphertexts\[400\]/);
    ciphertexts[700] = 'AAAA';
    await rejects400(sut.decrypt('s1', { ciphertexts }), /ciphertexts\[400\]/);
  });

  void it('looks up each data-key version once and stops at the first the stack lacks', async () => {
    const { sut, keys } = setup(1);
    const { ciphertexts } = await sut.encrypt('s1', { plaintexts: mixedValues(300) });
    keys.lookups = 0;
    await sut.decrypt('s1', { ciphertexts });
    assert.equal(keys.lookups, 1, 'one lookup for 300 values of one version');
    // A forged batch naming 300 different versions: refused after one failed lookup, not 300.
    const forged = ciphertexts.map((c, i) => {
      const envelope = Buffer.from(c, 'base64');
      envelope.writeUInt32BE(100 + i, 1);
      return envelope.toString('base64');
    });
    keys.lookups = 0;
    await rejects400(sut.decrypt('s1', { ciphertexts: forged }), /has no data key v100: .*ciphertexts\[0\]/);
    assert.equal(keys.lookups, 1);
  });

  void it('replaces a worker thread that has gone', async () => {
    const { sut, pool } = setup(1);
    const plaintexts = mixedValues(MIN_VALUES_PER_PART * 2);
    const { ciphertexts } = await sut.encrypt('s1', { plaintexts });
    await pool.onModuleDestroy();
    assert.deepEqual((await sut.decrypt('s1', { ciphertexts })).plaintexts, plaintexts);
  });

  void it('cuts batches into ranges of about equal bytes, none empty', () => {
    const sizes = [3000, 10, 10, 10, 10, 10, 3000, 10];
    const items = sizes.map((n) => Buffer.alloc(n));
    assert.deepEqual(splitByBytes(items, 1), [{ start: 0, end: 8 }]);
    // 3,030 bytes each.
    assert.deepEqual(splitByBytes(items, 2), [
      { start: 0, end: 4 },
      { start: 4, end: 8 },
    ]);
    const four = splitByBytes(items, 4);
    assert.ok(four.length <= 4 && four.every((r) => r.end > r.start), JSON.stringify(four));
    four.forEach((r, i) => assert.equal(r.start, i === 0 ? 0 : four[i - 1].end, 'contiguous'));
    assert.equal(four.at(-1)!.end, 8);
    assert.deepEqual(splitByBytes([Buffer.alloc(1)], 3), [{ start: 0, end: 1 }]);
  });
});
