import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { KeyUnwrapError } from './secrets.errors';

/**
 * AES-256-GCM key wrapping with a local key-encryption key:
 *   0x01 (wrap format) | nonce (12) | encrypted key | tag (16)
 * The caller's `aad` names what the key is for (KEK id and version, the stack), so a wrapped key
 * copied onto another stack's row, or presented under another KEK label, does not unwrap.
 */
const WRAP_FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function wrapKey(kek: KeyObject, plaintextKey: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
  return Buffer.concat([Buffer.of(WRAP_FORMAT_V1), nonce, body, cipher.getAuthTag()]);
}

export function unwrapKey(kek: KeyObject, wrapped: Buffer, aad: Buffer): Buffer {
  if (wrapped.length < 1 + NONCE_BYTES + TAG_BYTES) throw new KeyUnwrapError('wrapped key is truncated');
  if (wrapped.readUInt8(0) !== WRAP_FORMAT_V1) throw new KeyUnwrapError(`unsupported wrapped-key format ${wrapped.readUInt8(0)}`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(1, 1 + NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(1 + NONCE_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError('wrapped key does not authenticate under this key-encryption key');
  }
}

/** Length-prefixed concatenation, so that ("ab","c") and ("a","bc") never give the same AAD. */
export function encodeAad(label: string, ...parts: Array<string | number>): Buffer {
  const chunks: Buffer[] = [Buffer.from(`${label}\0`, 'utf8')];
  for (const part of parts) {
    const bytes = typeof part === 'number' ? uint32(part) : Buffer.from(part, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length, 0);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value, 0);
  return b;
}
