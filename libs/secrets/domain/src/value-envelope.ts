import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { EnvelopeError } from './secrets.errors';

/**
 * The binary envelope of one secret value (format 1), what the api stores base64-encoded:
 *
 *   offset  size  field
 *   0       1     format version (0x01)
 *   1       4     data key version, unsigned big-endian (which of the stack's data keys sealed it)
 *   5       12    nonce, fresh and random for every value (96 bits, as GCM wants)
 *   17      n     AES-256-GCM ciphertext (n = plaintext length)
 *   17+n    16    GCM authentication tag
 *
 * The additional authenticated data binds the value to its stack and to the header:
 *   "stackyard/secret-value" 0x00 | u16 BE length of stack id | stack id (UTF-8) | bytes 0..4
 * so flipping any byte, moving a ciphertext to another stack, or relabelling its format or key
 * version all fail authentication instead of decrypting to something else.
 */
export const ENVELOPE_FORMAT_V1 = 0x01;
const HEADER_BYTES = 5;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const ENVELOPE_OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
const VALUE_LABEL = Buffer.from('stackyard/secret-value\0', 'utf8');

export interface EnvelopeHeader {
  format: number;
  keyVersion: number;
}

/** The header of an envelope, checked for length and format, so the right data key can be found. */
export function readEnvelopeHeader(envelope: Buffer): EnvelopeHeader {
  if (envelope.length < ENVELOPE_OVERHEAD_BYTES) throw new EnvelopeError('truncated');
  const format = envelope.readUInt8(0);
  if (format !== ENVELOPE_FORMAT_V1) throw new EnvelopeError('unsupported-format');
  return { format, keyVersion: envelope.readUInt32BE(1) };
}

/**
 * Seals one value. `nonce` lets a batch draw all its nonces with one call to the random source
 * (about 4 µs per call otherwise, the largest cost of a 1,000-value batch-encrypt); each must be
 * 12 fresh random bytes used once.
 */
export function sealValue(dataKey: KeyObject, keyVersion: number, stackId: string, plaintext: Buffer, nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  if (nonce.length !== NONCE_BYTES) throw new Error(`a nonce is ${NONCE_BYTES} bytes`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(ENVELOPE_FORMAT_V1, 0);
  header.writeUInt32BE(keyVersion, 1);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(valueAad(stackId, header));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or an EnvelopeError; GCM verifies the tag before any plaintext is returned. */
export function openValue(dataKey: KeyObject, keyVersion: number, stackId: string, envelope: Buffer): Buffer {
  const header = readEnvelopeHeader(envelope);
  if (header.keyVersion !== keyVersion) throw new EnvelopeError('unknown-key-version');
  const nonce = envelope.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const body = envelope.subarray(HEADER_BYTES + NONCE_BYTES, envelope.length - TAG_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(valueAad(stackId, envelope.subarray(0, HEADER_BYTES)));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new EnvelopeError('authentication-failed');
  }
}

/** `count` nonces from one call to the random source, for sealValue. */
export function freshNonces(count: number): Buffer[] {
  const pool = randomBytes(NONCE_BYTES * count);
  return Array.from({ length: count }, (_, i) => pool.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES));
}

/** The stack part of the AAD is the same for every value of a batch: built once per stack id. */
let lastAadPrefix: { stackId: string; prefix: Buffer } | undefined;

function valueAad(stackId: string, header: Buffer): Buffer {
  if (lastAadPrefix?.stackId !== stackId) {
    const id = Buffer.from(stackId, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(id.length, 0);
    lastAadPrefix = { stackId, prefix: Buffer.concat([VALUE_LABEL, length, id]) };
  }
  return Buffer.concat([lastAadPrefix.prefix, header]);
}
