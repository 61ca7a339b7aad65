import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { UpstreamError } from '@stackyard/shared-http';
import type { ObjectKeyResponse } from '@stackyard/shared-contracts';
import { ObjectKeyService } from './object-key.service';
import type { SecretsGateway } from './secrets.client';

/** The secrets service's object-key route in memory: a random key per stack and version. */
class FakeSecrets {
  readonly calls: Array<{ stackId: string; keyVersion: number | undefined }> = [];
  latest = 1;
  failWith?: Error;
  private readonly keys = new Map<string, string>();

  async objectKey(stackId: string, keyVersion?: number): Promise<ObjectKeyResponse> {
    this.calls.push({ stackId, keyVersion });
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failWith) throw this.failWith;
    const version = keyVersion ?? this.latest;
    if (version > this.latest) throw new UpstreamError(404, `Not Found: stack '${stackId}' has no data key v${version}`);
    const id = `${stackId}#${version}`;
    if (!this.keys.has(id)) this.keys.set(id, randomBytes(32).toString('base64'));
    return { keyVersion: version, key: this.keys.get(id)! };
  }
}

function setup(ttlMs = 60_000) {
  const secrets = new FakeSecrets();
  const sut = new ObjectKeyService(secrets as unknown as SecretsGateway, { leaseSeconds: 300, principalCacheSeconds: 5, objectKeyCacheSize: 100, objectKeyCacheTtlMs: ttlMs });
  return { secrets, sut };
}

void describe(ObjectKeyService.name, () => {
  void it('asks the secrets service once per key, however many requests arrive together, then serves from memory', async () => {
    const { secrets, sut } = setup();
    const keys = await Promise.all(Array.from({ length: 20 }, () => sut.forSealing('s1')));
    assert.equal(secrets.calls.length, 1);
    assert.ok(keys.every((k) => k.key === keys[0].key && k.version === 1));
    for (let i = 0; i < 100; i++) await sut.forSealing('s1');
    // What was sealed opens without another call: the latest key is also cached by its version.
    assert.equal(await sut.forOpening('s1', 1), keys[0].key);
    assert.equal(secrets.calls.length, 1, 'the warm hot path makes no secrets call');
    assert.equal(keys[0].key.symmetricKeySize, 32);
  });

  void it('opens by the version the envelope names, one call per version', async () => {
    const { secrets, sut } = setup();
    secrets.latest = 3;
    const v1 = await sut.forOpening('s1', 1);
    const v2 = await sut.forOpening('s1', 2);
    assert.notEqual(v1, v2);
    assert.equal(await sut.forOpening('s1', 1), v1);
    assert.deepEqual(secrets.calls, [{ stackId: 's1', keyVersion: 1 }, { stackId: 's1', keyVersion: 2 }]);
    assert.equal((await sut.forSealing('s1')).version, 3);
  });

  void it('picks up a rotated data key after the TTL', async () => {
    const { secrets, sut } = setup(30);
    assert.equal((await sut.forSealing('s1')).version, 1);
    secrets.latest = 2;
    assert.equal((await sut.forSealing('s1')).version, 1, 'within the TTL the cached version seals');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal((await sut.forSealing('s1')).version, 2);
  });

  void it('a secrets outage stays a 503; a refusal or a malformed answer becomes a server fault; nothing is cached', async () => {
    const { secrets, sut } = setup();
    secrets.failWith = ApiError.unavailable('secrets service unreachable (ECONNREFUSED)');
    await assert.rejects(sut.forSealing('s1'), (e: unknown) => e instanceof ApiError && e.status === 503);
    secrets.failWith = undefined;
    assert.equal((await sut.forSealing('s1')).version, 1, 'a failure is not cached');
    await assert.rejects(sut.forOpening('s1', 7), (e: unknown) => !(e instanceof ApiError) && /refused the object key of stack s1 v7/.test((e as Error).message));
    const malformed = setup();
    malformed.secrets.objectKey = () => Promise.resolve({ keyVersion: 1, key: Buffer.alloc(16).toString('base64') });
    await assert.rejects(malformed.sut.forSealing('s1'), /malformed object key/);
    malformed.secrets.objectKey = () => Promise.resolve({ keyVersion: 2, key: randomBytes(32).toString('base64') });
    await assert.rejects(malformed.sut.forOpening('s1', 1), /malformed object key/);
  });
});
