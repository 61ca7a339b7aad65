/** Settings the secrets app hands to this feature (read from its validated config). */
export interface SecretsKeysOptions {
  /** How many unwrapped data keys to keep in memory (least recently used go first). */
  cacheMaxEntries: number;
  /** How long an unwrapped data key may stay in memory, from when it was unwrapped. */
  cacheTtlMs: number;
  /** Worker threads that open and seal parts of large batches; 0 keeps all on the main thread. Default: cores − 1, at most 3. */
  cipherWorkers?: number;
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

export const SECRETS_KEYS_OPTIONS = Symbol('SECRETS_KEYS_OPTIONS');
/** The KeyProvider in use (local file today; Vault/KMS later). */
export const KEY_PROVIDER = Symbol('KEY_PROVIDER');
