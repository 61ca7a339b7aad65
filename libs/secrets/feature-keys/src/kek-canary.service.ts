import { KekMismatchError, type KeyProvider } from '@stackyard/secrets-domain';
import type { KekCanaryRepository } from './kek-canary.repository';

export const KEK_CANARY_NAME = 'kek';
const CANARY_CONTEXT = 'canary';
const CANARY_VALUE = Buffer.from('stackyard key-encryption key canary, format 1', 'utf8');

export type CanaryOutcome = 'created' | 'verified';

/** The canary as stored: which KEK wraps it now. */
export interface CanaryState {
  kekId: string;
  kekVersion: number;
}

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

  /** Which KEK the stored canary is wrapped by (undefined before the first start). */
  async state(): Promise<CanaryState | undefined> {
    const row = await this.repository.find(KEK_CANARY_NAME);
    return row ? { kekId: row.kekId, kekVersion: row.kekVersion } : undefined;
  }

  /**
   * Wraps the canary with the provider's active KEK, after checking it still opens (through the
   * key ring, so a previous provider may open it). Done last in a re-wrap, so the canary names the
   * new KEK only once every data key does.
   */
  async rewrap(): Promise<'rewrapped' | 'changed-concurrently'> {
    const row = await this.repository.find(KEK_CANARY_NAME);
    if (!row) throw new Error('there is no KEK canary yet: start the secrets service once before re-wrapping');
    let value: Buffer;
    try {
      value = await this.provider.unwrap({ keyId: row.kekId, keyVersion: row.kekVersion, wrapped: Buffer.from(row.wrappedValue, 'base64') }, CANARY_CONTEXT);
    } catch {
      throw new KekMismatchError(`database key ${row.kekId} v${row.kekVersion} is not among the configured keys`);
    }
    if (!value.equals(CANARY_VALUE)) throw new KekMismatchError('the canary value differs');
    const wrapped = await this.provider.wrap(CANARY_VALUE, CANARY_CONTEXT);
    const swapped = await this.repository.replaceWrapping(row, { wrappedValue: wrapped.wrapped.toString('base64'), kekId: wrapped.keyId, kekVersion: wrapped.keyVersion });
    return swapped ? 'rewrapped' : 'changed-concurrently';
  }
}
