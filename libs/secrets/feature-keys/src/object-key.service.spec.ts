import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { LocalKeyProvider } from '@stackyard/secrets-domain';
import { ApiError } from '@stackyard/shared-errors';
import { DataKeyService } from './data-key.service';
import { OBJECT_KEY_INFO, ObjectKeyService, parseObjectKeyRequest } from './object-key.service';
import type { StackDataKeyEntity } from './stack-data-key.entity';
import type { StackDataKeyRepository } from './stack-data-key.repository';

/** The table in memory (see data-key.service.spec.ts). */
class FakeStackDataKeys {
  readonly rows = new Map<string, StackDataKeyEntity>();
  find(stackId: string, keyVersion: number): Promise<StackDataKeyEntity | null> {
    return Promise.resolve(this.rows.get(`${stackId}#${keyVersion}`) ?? null);
  }
  findLatest(stackId: string): Promise<StackDataKeyEntity | null> {
    const versions = [...this.rows.values()].filter((r) => r.stackId === stackId).sort((a, b) => b.keyVersion - a.keyVersion);
    return Promise.resolve(versions[0] ?? null);
  }
  insertIfAbsent(row: StackDataKeyEntity): Promise<boolean> {
    const id = `${row.stackId}#${row.keyVersion}`;
    if (this.rows.has(id)) return Promise.resolve(false);
    this.rows.set(id, row);
    return Promise.resolve(true);
  }
}

function setup() {
  const dataKeys = new DataKeyService(new FakeStackDataKeys() as unknown as StackDataKeyRepository, new LocalKeyProvider(randomBytes(32)), { cacheMaxEntries: 100, cacheTtlMs: 60_000 });
  return { dataKeys, sut: new ObjectKeyService(dataKeys) };
}

/** RFC 5869 by hand, to pin the derivation's parameters (salt = stack id, info, 32 bytes). */
function hkdf(ikm: Buffer, salt: string, info: string): Buffer {
  const prk = createHmac('sha256', Buffer.from(salt, 'utf8')).update(ikm).digest();
  return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info, 'utf8'), Buffer.from([1])])).digest();
}

const rejectsWith = (promise: Promise<unknown>, status: number) => assert.rejects(promise, (e: unknown) => e instanceof ApiError && e.status === status);

void describe(ObjectKeyService.name, () => {
  void it('derives HKDF-SHA256(data key, salt = stack id, info = stackyard/object-storage/v1), not the data key itself', async () => {
    const { dataKeys, sut } = setup();
    const answer = await sut.derive('s1', {});
    const dataKey = await dataKeys.forEncrypt('s1');
    const raw = dataKey.key.export();
    assert.equal(answer.keyVersion, 1);
    assert.equal(Buffer.from(answer.key, 'base64').length, 32);
    assert.deepEqual(Buffer.from(answer.key, 'base64'), hkdf(raw, 's1', OBJECT_KEY_INFO));
    assert.notDeepEqual(Buffer.from(answer.key, 'base64'), raw);
  });

  void it('is stable per version and differs per stack and per version', async () => {
    const { dataKeys, sut } = setup();
    const v1 = await sut.derive('s1', {});
    assert.deepEqual(await sut.derive('s1', { keyVersion: 1 }), v1);
    assert.notEqual((await sut.derive('s2', {})).key, v1.key);
    await dataKeys.rotate('s1');
    const v2 = await sut.derive('s1', {});
    assert.equal(v2.keyVersion, 2);
    assert.notEqual(v2.key, v1.key);
    assert.deepEqual(await sut.derive('s1', { keyVersion: 1 }), v1);
  });

  void it('answers 404 for a version the stack does not have, 400 for bad input', async () => {
    const { sut } = setup();
    await rejectsWith(sut.derive('s1', { keyVersion: 3 }), 404);
    await rejectsWith(sut.derive('bad/id', {}), 400);
    for (const body of [[], 'x', { keyVersion: 0 }, { keyVersion: 1.5 }, { keyVersion: '1' }, { keyVersion: 2 ** 32 }, { other: 1 }]) {
      assert.throws(() => parseObjectKeyRequest(body), ApiError, JSON.stringify(body));
    }
    assert.deepEqual(parseObjectKeyRequest(undefined), {});
  });
});
