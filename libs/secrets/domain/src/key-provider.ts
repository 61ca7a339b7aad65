/** Which key-encryption key (and which version of it) wrapped a data key. Not secret. */
export interface KeyReference {
  keyId: string;
  keyVersion: number;
}

export interface WrappedKey extends KeyReference {
  wrapped: Buffer;
}

/**
 * Where key-encryption keys live. The local provider keeps one in a file; Vault Transit, AWS KMS,
 * GCP KMS or Azure Key Vault providers implement the same four operations later. Data keys never
 * leave the secrets service unwrapped, and the KEK never leaves its provider (for KMS kinds).
 */
export interface KeyProvider {
  /** The KEK that `wrap` uses now, e.g. `local:3f1c…` (a fingerprint, never the key). */
  readonly keyId: string;
  readonly keyVersion: number;
  /**
   * Wraps a data key. `context` says what the key is for (e.g. `stack:<id>`) and is authenticated,
   * so the wrapped key only unwraps for that same purpose.
   */
  wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey>;
  /** Unwraps, or rejects with KeyUnwrapError (unknown KEK, wrong context, tampered bytes). */
  unwrap(wrapped: WrappedKey, context: string): Promise<Buffer>;
  /** Rejects when the provider cannot serve (readiness; KMS reachability). */
  check(): Promise<void>;
  /**
   * Makes a new version of the KEK the one `wrap` uses, on the provider itself, keeping the older
   * versions able to unwrap (Vault Transit `rotate`, a new GCP primary version, a new Key Vault
   * key version). Absent where the provider has no such operation (the local key: a new key file
   * is a migration; AWS KMS rotates its key material itself, invisibly).
   */
  rotate?(): Promise<void>;
}
