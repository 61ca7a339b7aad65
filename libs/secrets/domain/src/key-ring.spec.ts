import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyRing } from './key-ring';
import { LocalKeyProvider } from './local-key-provider';
import { KeyProviderUnavailableError, KeyUnwrapError } from './secrets.errors';

void describe(KeyRing.name, () => {
  const oldKek = () => new LocalKeyProvider(randomBytes(32));

  void it('wraps with the active provider and unwraps keys of the previous one', async () => {
    const previous = oldKek();
    const active = oldKek();
    const ring = new KeyRing(active, [previous]);
    const key = randomBytes(32);
    const old = await previous.wrap(key, 'stack:a');
    const fresh = await ring.wrap(key, 'stack:a');
    assert.equal(fresh.keyId, active.keyId);
    assert.equal(ring.keyId, active.keyId);
    assert.deepEqual(await ring.unwrap(old, 'stack:a'), key);
    assert.deepEqual(await ring.unwrap(fresh, 'stack:a'), key);
    await assert.rejects(ring.unwrap(old, 'stack:b'), KeyUnwrapError, 'the context is still authenticated');
    await assert.rejects(new KeyRing(oldKek(), [oldKek()]).unwrap(old, 'stack:a'), KeyUnwrapError, 'no provider of the ring knows the key');
  });

  void it('reports an unreachable provider (retry) rather than a refusal (give up)', async () => {
    const previous = oldKek();
    const wrapped = await previous.wrap(randomBytes(32), 'stack:a');
    previous.unwrap = () => Promise.reject(new KeyProviderUnavailableError('vault-transit', 'timeout'));
    await assert.rejects(new KeyRing(oldKek(), [previous]).unwrap(wrapped, 'stack:a'), KeyProviderUnavailableError);
  });

  void it('offers rotate() exactly when the active provider does', async () => {
    const active = oldKek();
    assert.equal(new KeyRing(active).rotate, undefined);
    let rotated = 0;
    Object.assign(active, { rotate: () => Promise.resolve(void rotated++) });
    await new KeyRing(active, [oldKek()]).rotate?.();
    assert.equal(rotated, 1);
  });
});
