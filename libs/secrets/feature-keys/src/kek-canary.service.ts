import { KekMismatchError, type KeyProvider } from '@stackyard/secrets-domain';
import type { KekCanaryRepository } from './kek-canary.repository';

export const KEK_CANARY_NAME = 'kek';
const CANARY_CONTEXT = 'canary';
const CANARY_VALUE = Buffer.from('stackyard key-encryption key canary, format 1', 'utf8');

export type CanaryOutcome = 'created' | 'verified';

/**
 * Start-up proof that the configured KEK is the database's KEK. The first start stores a known
 * value wrapped by the KEK (insert-or-read-back, so concurrent first starts agree on one); every
 * later start unwraps it and refuses to run on a mismatch, before a single secret is touched.
 */
export class KekCanaryService {
  constructor(
    private readonly repository: KekCanaryRepository,
    private readonly provider: KeyProvider,
    private readonly now: () => number = Date.now,
  ) {}

  async verifyOrCreate(): Promise<CanaryOutcome> {
    let row = await this.repository.find(KEK_CANARY_NAME);
    if (!row) {
      const wrapped = await this.provider.wrap(CANARY_VALUE, CANARY_CONTEXT);
      const inserted = await this.repository.insertIfAbsent({
        name: KEK_CANARY_NAME,
        wrappedValue: wrapped.wrapped.toString('base64'),
        kekId: wrapped.keyId,
        kekVersion: wrapped.keyVersion,
        createdAt: this.now(),
      });
      if (inserted) return 'created';
      row = await this.repository.find(KEK_CANARY_NAME);
      if (!row) throw new Error('the KEK canary was inserted concurrently but cannot be read back');
    }
    let value: Buffer;
    try {
      value = await this.provider.unwrap({ keyId: row.kekId, keyVersion: row.kekVersion, wrapped: Buffer.from(row.wrappedValue, 'base64') }, CANARY_CONTEXT);
    } catch {
      throw new KekMismatchError(`database key ${row.kekId} v${row.kekVersion}, configured key ${this.provider.keyId} v${this.provider.keyVersion}`);
    }
    if (!value.equals(CANARY_VALUE)) throw new KekMismatchError('the canary value differs');
    return 'verified';
  }
}
