import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KeyProviderUnavailableError, KeyUnwrapError, type KeyProvider, type WrappedKey } from '@stackyard/secrets-domain';

/**
 * What one run of the key-provider contract needs: the provider under test, pointed at a real
 * server (or the most faithful emulator we have), and the server-side operations the contract
 * drives. Used by tests only; not exported from the library's index.
 */
export interface KeyProviderContractTarget {
  provider: KeyProvider;
  /**
   * Rotates the key-encryption key on the server, the way an operator would (Vault
   * `transit/keys/<k>/rotate`, a new GCP primary version, a new Azure key version, an AWS alias
   * moved to a new key). Leave out only for providers without server-side keys (local).
   */
  rotate?: () => Promise<void>;
  /**
   * The same key with credentials allowed to rotate it, as the admin command `rotate-kek` runs
   * (the service's own credentials usually may not); default: `provider`.
   */
  rotatingProvider?: KeyProvider;
  /** Stops the server; afterwards check() and unwrap() must reject cleanly. Runs last. */
  stopServer?: () => Promise<void>;
  /** Releases whatever setup started (the server, temp dirs). */
  dispose?: () => Promise<void>;
}

/** Positions of one-bit flips tried per wrapped key: all of them for small blobs, else a spread. */
function flipPositions(length: number, budget = 192): number[] {
  if (length <= budget) return Array.from({ length }, (_, i) => i);
  const picks = new Set<number>();
  for (let i = 0; i < 48; i++) picks.add(i).add(length - 1 - i);
  const stride = (length - 96) / (budget - 96);
  for (let i = 0; i < budget - 96; i++) picks.add(48 + Math.floor(i * stride));
  return [...picks].sort((a, b) => a - b);
}

function withBytes(wrapped: WrappedKey, bytes: Buffer): WrappedKey {
  return { keyId: wrapped.keyId, keyVersion: wrapped.keyVersion, wrapped: bytes };
}

/**
 * The one contract every KeyProvider must pass (LocalKeyProvider, Vault Transit, AWS KMS, Azure
 * Key Vault, GCP KMS). The tests run in order against one server.
 */
export function keyProviderContract(
  name: string,
  setup: () => Promise<KeyProviderContractTarget>,
  /** What the provider has; the local provider has neither a server nor server-side rotation. */
  has: { server: boolean; rotation: boolean } = { server: true, rotation: true },
): void {
  void describe(`KeyProvider contract: ${name}`, () => {
    let target: KeyProviderContractTarget;
    let provider: KeyProvider;
    const dataKey = randomBytes(32);

    before(async () => {
      target = await setup();
      provider = target.provider;
    });
    after(async () => {
      await target?.dispose?.();
    });

    void it('check() succeeds and the key reference is reported', async () => {
      await provider.check();
      assert.equal(typeof provider.keyId, 'string');
      assert.ok(provider.keyId.length > 0, 'keyId is not empty');
      assert.ok(Number.isInteger(provider.keyVersion) && provider.keyVersion >= 1, `keyVersion ${provider.keyVersion} is a positive integer`);
    });

    void it('wraps and unwraps a 32-byte key for the same context; the wrapped bytes are not the key', async () => {
      const wrapped = await provider.wrap(dataKey, 'stack:contract-a');
      assert.equal(wrapped.keyId, provider.keyId);
      assert.equal(wrapped.keyVersion, provider.keyVersion);
      assert.ok(Buffer.isBuffer(wrapped.wrapped));
      assert.ok(!wrapped.wrapped.equals(dataKey), 'the wrapped form is not the key itself');
      assert.ok(!wrapped.wrapped.includes(dataKey), 'the wrapped form does not contain the key');
      assert.ok(!wrapped.wrapped.includes(Buffer.from(dataKey.toString('base64'))), 'nor its base64');
      assert.deepEqual(await provider.unwrap(wrapped, 'stack:contract-a'), dataKey);
    });

    void it('wrapping the same key twice gives different bytes (randomised)', async () => {
      const a = await provider.wrap(dataKey, 'stack:contract-a');
      const b = await provider.wrap(dataKey, 'stack:contract-a');
      assert.ok(!a.wrapped.equals(b.wrapped));
    });

    void it('refuses another context with KeyUnwrapError', async () => {
      const wrapped = await provider.wrap(dataKey, 'stack:contract-a');
      await assert.rejects(provider.unwrap(wrapped, 'stack:contract-b'), KeyUnwrapError);
      await assert.rejects(provider.unwrap(wrapped, ''), KeyUnwrapError);
      await assert.rejects(provider.unwrap(wrapped, 'stack:contract-a '), KeyUnwrapError);
    });

    void it('refuses every flipped byte, a truncation and an empty blob with KeyUnwrapError', async () => {
      const wrapped = await provider.wrap(dataKey, 'stack:contract-flip');
      const failures: string[] = [];
      for (const position of flipPositions(wrapped.wrapped.length)) {
        const tampered = Buffer.from(wrapped.wrapped);
        tampered[position] = tampered[position] ^ 0x01;
        try {
          const out = await provider.unwrap(withBytes(wrapped, tampered), 'stack:contract-flip');
          failures.push(`byte ${position}: unwrapped to ${out.equals(dataKey) ? 'the key' : 'other bytes'}`);
        } catch (error) {
          if (!(error instanceof KeyUnwrapError)) failures.push(`byte ${position}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        }
      }
      assert.deepEqual(failures, [], `${failures.length} of ${wrapped.wrapped.length} positions were not a clean KeyUnwrapError`);
      await assert.rejects(provider.unwrap(withBytes(wrapped, wrapped.wrapped.subarray(0, wrapped.wrapped.length - 1)), 'stack:contract-flip'), KeyUnwrapError);
      await assert.rejects(provider.unwrap(withBytes(wrapped, Buffer.alloc(0)), 'stack:contract-flip'), KeyUnwrapError);
    });

    void it('refuses a wrapped key presented under another key reference with KeyUnwrapError', async () => {
      const wrapped = await provider.wrap(dataKey, 'stack:contract-a');
      await assert.rejects(provider.unwrap({ ...wrapped, keyId: `${wrapped.keyId}-other` }, 'stack:contract-a'), KeyUnwrapError);
    });

    if (has.rotation) void it('after a key rotation on the server, old wrapped keys still unwrap and new wraps report the new version', async () => {
      assert.ok(target.rotate, `${name}: the contract target must provide rotate()`);
      const before = await provider.wrap(dataKey, 'stack:contract-rotate');
      await target.rotate();
      const afterRotation = await provider.wrap(dataKey, 'stack:contract-rotate');
      assert.notDeepEqual([afterRotation.keyId, afterRotation.keyVersion], [before.keyId, before.keyVersion], 'the new wrap names the new key version');
      if (afterRotation.keyId === before.keyId) assert.ok(afterRotation.keyVersion > before.keyVersion, `version ${afterRotation.keyVersion} > ${before.keyVersion}`);
      assert.equal(provider.keyId, afterRotation.keyId);
      assert.equal(provider.keyVersion, afterRotation.keyVersion);
      assert.deepEqual(await provider.unwrap(before, 'stack:contract-rotate'), dataKey);
      assert.deepEqual(await provider.unwrap(afterRotation, 'stack:contract-rotate'), dataKey);
      await assert.rejects(provider.unwrap(before, 'stack:contract-other'), KeyUnwrapError);
      await provider.check();
    });

    void it('its own rotate() (the admin command rotate-kek), where offered, moves wraps to a new version and keeps old ones unwrapping', async (t) => {
      const rotating = target.rotatingProvider ?? provider;
      if (!rotating.rotate) {
        t.diagnostic(`${name} has no in-place rotation (the admin command explains the alternative)`);
        assert.ok(name.startsWith('local') || name.startsWith('aws-kms'), `${name} should offer rotate()`);
        return;
      }
      const before = await provider.wrap(dataKey, 'stack:contract-own-rotate');
      await rotating.rotate();
      assert.notDeepEqual([rotating.keyId, rotating.keyVersion], [before.keyId, before.keyVersion], 'the provider reports the new version right after rotating');
      // The service's own provider (another process, in production) wraps with the new version.
      const afterRotation = await provider.wrap(dataKey, 'stack:contract-own-rotate');
      assert.deepEqual([afterRotation.keyId, afterRotation.keyVersion], [rotating.keyId, rotating.keyVersion]);
      assert.deepEqual(await provider.unwrap(before, 'stack:contract-own-rotate'), dataKey);
      assert.deepEqual(await provider.unwrap(afterRotation, 'stack:contract-own-rotate'), dataKey);
    });

    if (has.server) void it('check(), wrap() and unwrap() reject with KeyProviderUnavailableError once the server is stopped', async () => {
      assert.ok(target.stopServer, `${name}: the contract target must provide stopServer()`);
      const wrapped = await provider.wrap(dataKey, 'stack:contract-stop');
      await target.stopServer();
      await assert.rejects(provider.check(), KeyProviderUnavailableError);
      await assert.rejects(provider.unwrap(wrapped, 'stack:contract-stop'), KeyProviderUnavailableError);
      await assert.rejects(provider.wrap(dataKey, 'stack:contract-stop'), KeyProviderUnavailableError);
    });
  });
}
