import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KekMismatchError, LocalKeyProvider } from '@stackyard/secrets-domain';
import type { KekCanaryEntity } from './kek-canary.entity';
import type { KekCanaryRepository } from './kek-canary.repository';
import { KekCanaryService } from './kek-canary.service';

class FakeCanaries {
  readonly rows = new Map<string, KekCanaryEntity>();
  find(name: string): Promise<KekCanaryEntity | null> {
    return Promise.resolve(this.rows.get(name) ?? null);
  }
  insertIfAbsent(row: KekCanaryEntity): Promise<boolean> {
    if (this.rows.has(row.name)) return Promise.resolve(false);
    this.rows.set(row.name, row);
    return Promise.resolve(true);
  }
}

void describe(KekCanaryService.name, () => {
  const kek = randomBytes(32);

  void it('stores the canary on first start and verifies it on the next', async () => {
    const repo = new FakeCanaries();
    const sut = () => new KekCanaryService(repo as unknown as KekCanaryRepository, new LocalKeyProvider(kek));
    assert.equal(await sut().verifyOrCreate(), 'created');
    assert.equal(await sut().verifyOrCreate(), 'verified');
    assert.equal(repo.rows.size, 1);
  });

  void it('refuses another KEK with the plain message operators need', async () => {
    const repo = new FakeCanaries();
    await new KekCanaryService(repo as unknown as KekCanaryRepository, new LocalKeyProvider(kek)).verifyOrCreate();
    const sut = new KekCanaryService(repo as unknown as KekCanaryRepository, new LocalKeyProvider(randomBytes(32)));
    await assert.rejects(sut.verifyOrCreate(), (error: unknown) => {
      assert.ok(error instanceof KekMismatchError);
      assert.match(error.message, /^the key-encryption key does not match the one this database was created with/);
      return true;
    });
  });

  void it('refuses a canary row whose bytes were altered', async () => {
    const repo = new FakeCanaries();
    await new KekCanaryService(repo as unknown as KekCanaryRepository, new LocalKeyProvider(kek)).verifyOrCreate();
    const row = repo.rows.get('kek')!;
    const bytes = Buffer.from(row.wrappedValue, 'base64');
    bytes[20] = bytes[20] ^ 1;
    row.wrappedValue = bytes.toString('base64');
    await assert.rejects(new KekCanaryService(repo as unknown as KekCanaryRepository, new LocalKeyProvider(kek)).verifyOrCreate(), KekMismatchError);
  });
});
