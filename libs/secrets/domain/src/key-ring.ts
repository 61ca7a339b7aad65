import type { KeyProvider, WrappedKey } from './key-provider';
import { KeyProviderUnavailableError, KeyUnwrapError } from './secrets.errors';

/**
 * The active key provider plus the ones being moved away from. New keys are always wrapped by the
 * active provider; a stored key is unwrapped by whichever provider recognises it. This is what
 * lets a KEK rotation or a provider migration (e.g. local → Vault) happen while the service runs:
 * keys not yet re-wrapped keep opening through their old provider until `rewrap` has moved them.
 */
export class KeyRing implements KeyProvider {
  constructor(
    readonly active: KeyProvider,
    readonly previous: readonly KeyProvider[] = [],
  ) {}

  get keyId(): string {
    return this.active.keyId;
  }

  get keyVersion(): number {
    return this.active.keyVersion;
  }

  wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    return this.active.wrap(plaintextKey, context);
  }

  /**
   * Providers refuse keys that are not theirs before calling out (by key id), so trying them in
   * order costs no remote call for the ones that do not match. An unreachable provider that might
   * have held the key wins over "does not unwrap": the caller should retry, not give up.
   */
  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    let refusal: unknown;
    let unavailable: KeyProviderUnavailableError | undefined;
    for (const provider of [this.active, ...this.previous]) {
      try {
        return await provider.unwrap(wrapped, context);
      } catch (error) {
        if (error instanceof KeyProviderUnavailableError) unavailable ??= error;
        else refusal ??= error;
      }
    }
    if (unavailable) throw unavailable;
    throw refusal instanceof Error ? refusal : new KeyUnwrapError(`no configured key provider unwraps ${wrapped.keyId} v${wrapped.keyVersion}`);
  }

  async check(): Promise<void> {
    await Promise.all([this.active, ...this.previous].map((p) => p.check()));
  }

  get rotate(): (() => Promise<void>) | undefined {
    const active = this.active;
    return active.rotate ? () => active.rotate!() : undefined;
  }
}
