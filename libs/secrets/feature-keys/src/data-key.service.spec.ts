import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyProviderUnavailableError, LocalKeyProvider, openValue, sealValue } from '@stackyard/secrets-domain';
import { ApiError } from '@stackyard/shared-errors';
import { DataKeyService } from './data-key.service';
import type { StackDataKeyEntity } from './stack-data-key.entity';
import type { StackDataKeyRepository } from './stack-data-key.repository';

/** An in-memory stand-in for the table, counting calls, with a hook to simulate another replica. */
class FakeStackDataKeys {
  readonly rows = new Map<string, StackDataKeyEntity>();
  finds = 0;
  inserts = 0;
  beforeInsert?: (row: StackDataKeyEntity) => Promise<void>;

  find(stackId: string, keyVersion: number): Promise<StackDataKeyEntity | null> {
    this.finds++;
    return Promise.resolve(this.rows.get(`${stackId}#${keyVersion}`) ?? null);
  }

  findLatest(stackId: string): Promise<StackDataKeyEntity | null> {
    this.finds++;
    const versions = [...this.rows.values()].filter((r) => r.stackId === stackId).sort((a, b) => b.keyVersion - a.keyVersion);
    return Promise.resolve(versions[0] ?? null);
  }

  async insertIfAbsent(row: StackDataKeyEntity): Promise<boolean> {
    this.inserts++;
    await this.beforeInsert?.(row);
    const id = `${row.stackId}#${row.keyVersion}`;
    if (this.rows.has(id)) return false;
    this.rows.set(id, row);
    return true;
  }
}

function setup(now: () => number = Date.now) {
  const repo = new FakeStackDataKeys();
  const provider = new LocalKeyProvider(randomBytes(32));
  const sut = new DataKeyService(repo as unknown as StackDataKeyRepository, provider, { cacheMaxEntries: 100, cacheTtlMs: 60_000, now });
  return { repo, provider, sut };
}

void describe(DataKeyService.name, () => {
  void it('creates a key on first encryption, stores it only wrapped, and serves later calls from memory', async () => {
    const { repo, sut } = setup();
    const first = await sut.forEncrypt('s1');
    const row = repo.rows.get('s1#1')!;
    assert.ok(row.kekId.startsWith('local:'));
    assert.equal(row.kekVersion, 1);
    assert.equal(Buffer.from(row.wrappedKey, 'base64').length, 1 + 12 + 32 + 16);
    const findsBefore = repo.finds;
    const again = await sut.forEncrypt('s1');
    assert.equal(again, first);
    assert.equal(repo.finds, findsBefore, 'a cached key costs no database read');
  });

  void it('creates one key when many requests for a new stack arrive together', async () => {
    const { repo, sut } = setup();
    const keys = await Promise.all(Array.from({ length: 20 }, () => sut.forEncrypt('s1')));
    assert.equal(repo.inserts, 1);
    for (const k of keys) assert.equal(k, keys[0]);
  });

  void it('adopts the key another replica inserted first instead of its own', async () => {
    const { repo, provider, sut } = setup();
    // The other replica wins the race between our read and our insert.
    const other = new DataKeyService(new FakeStackDataKeys() as unknown as StackDataKeyRepository, provider, { cacheMaxEntries: 10, cacheTtlMs: 60_000 });
    const otherRepo = (other as unknown as { repository: FakeStackDataKeys }).repository;
    const theirs = await other.forEncrypt('s1');
    repo.beforeInsert = () => {
      repo.rows.set('s1#1', otherRepo.rows.get('s1#1')!);
      return Promise.resolve();
    };
    const ours = await sut.forEncrypt('s1');
    const sealed = sealValue(theirs.key, theirs.version, 's1', Buffer.from('shared'));
    assert.deepEqual(openValue(ours.key, ours.version, 's1', sealed), Buffer.from('shared'));
  });

  void it('returns no key for decryption of a stack that never had one, and creates none', async () => {
    const { repo, sut } = setup();
    assert.equal(await sut.forDecrypt('nothing', 1), undefined);
    assert.equal(repo.inserts, 0);
  });

  void it('unwraps a stored key again once the cached one expires', async () => {
    let now = 0;
    const { repo, sut } = setup(() => now);
    const created = await sut.forEncrypt('s1');
    now = 61_000;
    const findsBefore = repo.finds;
    const reloaded = await sut.forDecrypt('s1', 1);
    assert.equal(repo.finds, findsBefore + 1);
    assert.notEqual(reloaded, created, 'a new KeyObject from the stored row');
    const sealed = sealValue(created.key, 1, 's1', Buffer.from('v'));
    assert.deepEqual(openValue(reloaded!.key, 1, 's1', sealed), Buffer.from('v'));
  });

  void it('fails loudly (a server error) when a stored key does not unwrap', async () => {
    const { repo, sut } = setup();
    await sut.forEncrypt('s1');
    const stranger = setup();
    stranger.repo.rows.set('s1#1', repo.rows.get('s1#1')!);
    await assert.rejects(stranger.sut.forDecrypt('s1', 1), /data key v1 of stack s1 cannot be unwrapped/);
  });

  void it('answers 503 when the key provider cannot be reached, for a new key and for a stored one', async () => {
    const { repo, provider, sut } = setup();
    await sut.forEncrypt('stored');
    const down = new KeyProviderUnavailableError('vault-transit', 'connect ECONNREFUSED 127.0.0.1:8200');
    provider.wrap = () => Promise.reject(down);
    provider.unwrap = () => Promise.reject(down);
    const is503 = (error: unknown): boolean => error instanceof ApiError && error.status === 503 && /vault-transit\) is unavailable/.test(error.message) && !/ECONNREFUSED/.test(error.message);
    await assert.rejects(sut.forEncrypt('new'), is503);
    const restarted = new DataKeyService(repo as unknown as StackDataKeyRepository, provider, { cacheMaxEntries: 100, cacheTtlMs: 60_000 });
    await assert.rejects(restarted.forEncrypt('stored'), is503);
  });

  void it('rotates a stack key: new values use the next version, every older version still opens its own', async () => {
    const { repo, sut } = setup();
    const v1 = await sut.forEncrypt('s1');
    const sealedV1 = sealValue(v1.key, v1.version, 's1', Buffer.from('before'));
    assert.equal(await sut.rotate('s1'), 2);
    const v2 = await sut.forEncrypt('s1');
    assert.equal(v2.version, 2, 'this replica seals with the new version at once');
    assert.equal(repo.rows.size, 2, 'the old version is kept');
    const restarted = new DataKeyService(repo as unknown as StackDataKeyRepository, (sut as unknown as { provider: LocalKeyProvider }).provider, { cacheMaxEntries: 100, cacheTtlMs: 60_000 });
    assert.equal((await restarted.forEncrypt('s1')).version, 2, 'another replica reads the newest version');
    const openedV1 = await restarted.forDecrypt('s1', 1);
    assert.deepEqual(openValue(openedV1!.key, 1, 's1', sealedV1), Buffer.from('before'));
    assert.equal(await restarted.forDecrypt('s1', 3), undefined);
    assert.equal(await sut.rotate('never-encrypted'), 1, 'a stack without a key gets its first');
  });

  void it('two rotations at once take consecutive versions instead of colliding', async () => {
    const { repo, sut } = setup();
    await sut.forEncrypt('s1');
    const versions = await Promise.all([sut.rotate('s1'), sut.rotate('s1'), sut.rotate('s1')]);
    assert.deepEqual([...versions].sort(), [2, 3, 4]);
    assert.equal(repo.rows.size, 4);
  });
});
