import { type CipherGCM, createCipheriv, createDecipheriv, type DecipherGCM, type KeyObject, randomBytes } from 'node:crypto';

/**
 * The envelope of an object the api stores (a checkpoint, a journal batch, a marker), sealed with
 * the stack's object-storage key (a key the secrets service derives from the stack's data key):
 *
 *   offset  size  field
 *   0       4     magic "SYO1" (Stackyard object, format 1)
 *   4       4     object-key version, unsigned big-endian (= the data-key version it is derived from)
 *   8       12    nonce, fresh and random for every object (96 bits, as GCM wants)
 *   20      n     AES-256-GCM ciphertext of the stored bytes (gzip for checkpoints and batches)
 *   20+n    16    GCM authentication tag
 *
 * The additional authenticated data binds the object to its stack, to its place and to the header:
 *   "stackyard/object-storage" 0x00 | u16 BE length | stack id (UTF-8) | u16 BE length | object key
 *   (UTF-8) | bytes 0..7
 * so an object copied to another stack or to another key (another version, another batch number)
 * does not open, and neither does one whose magic or key version was altered.
 *
 * Bytes that do not start with the magic are objects written before encryption at rest (gzip
 * starts with 1f 8b, JSON markers with `{`): the stores read those as they are.
 */
export const OBJECT_ENVELOPE_MAGIC = Buffer.from('SYO1', 'latin1');
const HEADER_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Magic, key version and nonce: what a reader needs before the first ciphertext byte. */
export const OBJECT_ENVELOPE_PREFIX_BYTES = HEADER_BYTES + NONCE_BYTES;
export const OBJECT_ENVELOPE_OVERHEAD_BYTES = OBJECT_ENVELOPE_PREFIX_BYTES + TAG_BYTES;
const AAD_LABEL = Buffer.from('stackyard/object-storage\0', 'utf8');
const MAX_KEY_VERSION = 0xffff_ffff;

export type ObjectEnvelopeProblem = 'not-sealed' | 'truncated' | 'authentication-failed' | 'key-version-mismatch' | 'bad-key';

/**
 * An object that claims to be sealed but does not open: corrupted, truncated, moved from another
 * stack or key, or sealed with another key. A server-side fault, never a client's.
 */
export class ObjectEnvelopeError extends Error {
  constructor(
    readonly problem: ObjectEnvelopeProblem,
    detail?: string,
  ) {
    super(`sealed object ${problem.replace(/-/g, ' ')}${detail ? `: ${detail}` : ''}`);
    this.name = 'ObjectEnvelopeError';
  }
}

/** Whether stored bytes (at least their first 4) are a sealed object rather than a legacy plaintext one. */
export function isSealedObject(head: Buffer): boolean {
  return head.length >= OBJECT_ENVELOPE_MAGIC.length && head.subarray(0, OBJECT_ENVELOPE_MAGIC.length).equals(OBJECT_ENVELOPE_MAGIC);
}

/** The object-key version that sealed an object, from its first 8 bytes or more. */
export function readObjectKeyVersion(head: Buffer): number {
  if (!isSealedObject(head)) throw new ObjectEnvelopeError('not-sealed');
  if (head.length < HEADER_BYTES) throw new ObjectEnvelopeError('truncated');
  return head.readUInt32BE(OBJECT_ENVELOPE_MAGIC.length);
}

function checkKey(key: KeyObject): void {
  if (key.type !== 'secret' || key.symmetricKeySize !== 32) throw new ObjectEnvelopeError('bad-key', 'AES-256 needs a 32-byte secret key');
}

function aad(stackId: string, objectKey: string, header: Buffer): Buffer {
  const id = Buffer.from(stackId, 'utf8');
  const path = Buffer.from(objectKey, 'utf8');
  if (id.length > 0xffff || path.length > 0xffff) throw new RangeError('stack id or object key too long for the envelope');
  const lengths = Buffer.alloc(4);
  lengths.writeUInt16BE(id.length, 0);
  lengths.writeUInt16BE(path.length, 2);
  return Buffer.concat([AAD_LABEL, lengths.subarray(0, 2), id, lengths.subarray(2, 4), path, header]);
}

/**
 * Seals one object incrementally: `prefix` first, then what `update` returns for each piece of
 * the plaintext, then `final()` (the rest and the tag). Lets a large checkpoint stream through
 * gzip and encryption into the store without being held whole.
 */
export class ObjectSealer {
  /** Magic, key version and nonce: the first 20 bytes of the object. */
  readonly prefix: Buffer;
  private readonly cipher: CipherGCM;
  private done = false;

  constructor(key: KeyObject, keyVersion: number, stackId: string, objectKey: string) {
    checkKey(key);
    if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > MAX_KEY_VERSION) throw new RangeError(`object-key version ${keyVersion} is not a u32 ≥ 1`);
    const header = Buffer.alloc(HEADER_BYTES);
    OBJECT_ENVELOPE_MAGIC.copy(header, 0);
    header.writeUInt32BE(keyVersion, OBJECT_ENVELOPE_MAGIC.length);
    const nonce = randomBytes(NONCE_BYTES);
    this.prefix = Buffer.concat([header, nonce]);
    this.cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    this.cipher.setAAD(aad(stackId, objectKey, header));
  }

  update(plaintext: Buffer): Buffer {
    return this.cipher.update(plaintext);
  }

  /** The last ciphertext bytes (none for GCM in practice) and the authentication tag. */
  final(): Buffer {
    if (this.done) throw new Error('ObjectSealer.final() called twice');
    this.done = true;
    const rest = this.cipher.final();
    return rest.length ? Buffer.concat([rest, this.cipher.getAuthTag()]) : this.cipher.getAuthTag();
  }
}

/**
 * Opens one object incrementally: the caller reads the first 20 bytes (`prefix`, which names the
 * key version), fetches that key, then feeds the remaining bytes in any pieces to `update` and
 * calls `final()`. `update` already returns plaintext, but it is unauthenticated until `final()`
 * returns: callers must not hand out any of it before then.
 */
export class ObjectOpener {
  readonly keyVersion: number;
  private readonly decipher: DecipherGCM;
  /** The last bytes seen, held back because the final 16 are the tag, not ciphertext. */
  private tail: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(key: KeyObject, stackId: string, objectKey: string, prefix: Buffer) {
    checkKey(key);
    if (prefix.length < OBJECT_ENVELOPE_PREFIX_BYTES) throw new ObjectEnvelopeError(isSealedObject(prefix) ? 'truncated' : 'not-sealed');
    this.keyVersion = readObjectKeyVersion(prefix);
    const header = prefix.subarray(0, HEADER_BYTES);
    const nonce = prefix.subarray(HEADER_BYTES, OBJECT_ENVELOPE_PREFIX_BYTES);
    this.decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    this.decipher.setAAD(aad(stackId, objectKey, Buffer.from(header)));
  }

  /** Plaintext for the bytes that can no longer be part of the tag (unauthenticated until final). */
  update(bytes: Buffer): Buffer {
    if (bytes.length === 0) return Buffer.alloc(0);
    if (bytes.length >= TAG_BYTES) {
      const out = [this.decipher.update(this.tail), this.decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES))];
      // A copy, so the (large) piece it came from is not kept alive by 16 bytes of it.
      this.tail = Buffer.from(bytes.subarray(bytes.length - TAG_BYTES));
      return out[0].length === 0 ? out[1] : Buffer.concat(out);
    }
    const joined = Buffer.concat([this.tail, bytes]);
    const cut = Math.max(0, joined.length - TAG_BYTES);
    this.tail = joined.subarray(cut);
    return this.decipher.update(joined.subarray(0, cut));
  }

  /** Verifies the tag over everything fed in; throws ObjectEnvelopeError when it does not match. */
  final(): void {
    if (this.done) throw new Error('ObjectOpener.final() called twice');
    this.done = true;
    if (this.tail.length < TAG_BYTES) throw new ObjectEnvelopeError('truncated');
    try {
      this.decipher.setAuthTag(this.tail);
      this.decipher.final();
    } catch {
      throw new ObjectEnvelopeError('authentication-failed');
    }
  }
}

/** Seals a whole object in one call (small objects: markers, journal batches). */
export function sealObject(key: KeyObject, keyVersion: number, stackId: string, objectKey: string, plaintext: Buffer): Buffer {
  const sealer = new ObjectSealer(key, keyVersion, stackId, objectKey);
  return Buffer.concat([sealer.prefix, sealer.update(plaintext), sealer.final()]);
}

/**
 * The plaintext of a whole sealed object, authenticated; `key` must be the object-key version the
 * envelope names (`readObjectKeyVersion`), for `keyVersion` the caller fetched.
 */
export function openObject(key: KeyObject, keyVersion: number, stackId: string, objectKey: string, envelope: Buffer): Buffer {
  if (!isSealedObject(envelope)) throw new ObjectEnvelopeError('not-sealed');
  if (envelope.length < OBJECT_ENVELOPE_OVERHEAD_BYTES) throw new ObjectEnvelopeError('truncated');
  if (readObjectKeyVersion(envelope) !== keyVersion) throw new ObjectEnvelopeError('key-version-mismatch');
  const opener = new ObjectOpener(key, stackId, objectKey, envelope.subarray(0, OBJECT_ENVELOPE_PREFIX_BYTES));
  const plaintext = opener.update(envelope.subarray(OBJECT_ENVELOPE_PREFIX_BYTES));
  opener.final();
  return plaintext;
}
