import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { encodeAad, unwrapKey, wrapKey } from './key-wrap';
import type { KeyProvider, WrappedKey } from './key-provider';
import { KeyUnwrapError } from './secrets.errors';

export const LOCAL_KEY_BYTES = 32;

/**
 * Reads the local key-encryption key from a key file's bytes, accepting what Pulumi's self-hosted
 * installers put in `PULUMI_LOCAL_KEYS` files (raw 32 random bytes, or a 32-character string) and
 * what operators generate by hand (64 hex digits, or base64 of 32 bytes), with surrounding
 * whitespace ignored for the text forms. Errors never echo the content.
 */
export function parseLocalKey(content: Buffer): Buffer {
  let key: Buffer | undefined;
  if (content.length === LOCAL_KEY_BYTES) {
    key = Buffer.from(content);
  } else {
    const text = content.toString('utf8').trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
    else if (Buffer.byteLength(text, 'utf8') === LOCAL_KEY_BYTES) key = Buffer.from(text, 'utf8');
    else if (/^[A-Za-z0-9+/]{43}=$/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text)) key = Buffer.from(text, text.endsWith('=') ? 'base64' : 'base64url');
  }
  if (!key || key.length !== LOCAL_KEY_BYTES) {
    throw new Error(`must hold a 256-bit key: 32 raw bytes, a 32-character string, 64 hex digits or base64 of 32 bytes (found ${content.length} bytes)`);
  }
  if (new Set(key).size < 8) throw new Error('holds a key with almost no variety (e.g. all zeros); generate a random one (openssl rand -hex 32)');
  return key;
}

/** A stable, non-secret name for a local KEK: a domain-separated SHA-256 fingerprint of it. */
export function localKeyId(kek: Buffer): string {
  return `local:${createHash('sha256').update('stackyard/local-kek-id\0').update(kek).digest('hex').slice(0, 16)}`;
}

/** A KEK held in this process, read from a file (embedded mode and Pulumi-style local keys). */
export class LocalKeyProvider implements KeyProvider {
  readonly keyId: string;
  readonly keyVersion = 1;
  private readonly kek: KeyObject;

  constructor(kekBytes: Buffer) {
    if (kekBytes.length !== LOCAL_KEY_BYTES) throw new Error(`a local key-encryption key must be ${LOCAL_KEY_BYTES} bytes`);
    this.keyId = localKeyId(kekBytes);
    // A KeyObject keeps the key outside the JS heap's printable values (no accidental logging).
    this.kek = createSecretKey(Buffer.from(kekBytes));
  }

  wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    const wrapped = wrapKey(this.kek, plaintextKey, this.aad(this.keyId, this.keyVersion, context));
    return Promise.resolve({ keyId: this.keyId, keyVersion: this.keyVersion, wrapped });
  }

  unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    try {
      if (wrapped.keyId !== this.keyId || wrapped.keyVersion !== this.keyVersion) {
        throw new KeyUnwrapError(`wrapped by key-encryption key ${wrapped.keyId} v${wrapped.keyVersion}, but the configured one is ${this.keyId} v${this.keyVersion}`);
      }
      return Promise.resolve(unwrapKey(this.kek, wrapped.wrapped, this.aad(wrapped.keyId, wrapped.keyVersion, context)));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new KeyUnwrapError(String(error)));
    }
  }

  check(): Promise<void> {
    return Promise.resolve();
  }

  private aad(keyId: string, keyVersion: number, context: string): Buffer {
    return encodeAad('stackyard/kek-wrap', keyId, keyVersion, context);
  }
}
