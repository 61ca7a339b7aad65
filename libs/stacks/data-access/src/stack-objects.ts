import type { KeyObject } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { ObjectStore } from '@stackyard/shared-storage';
import {
  isSealedObject,
  OBJECT_ENVELOPE_PREFIX_BYTES,
  ObjectEnvelopeError,
  ObjectOpener,
  ObjectSealer,
  openObject,
  readObjectKeyVersion,
  sealObject,
} from '@stackyard/stacks-domain';

export const OBJECT_STORE = Symbol('ObjectStore');
export const OBJECT_KEYS = Symbol('ObjectKeys');
export const OBJECT_SEALING = Symbol('ObjectSealing');

/**
 * Where the stacks' object-storage keys come from (the secrets service derives them from each
 * stack's data key; ObjectKeyService in the protocol feature caches them). Failures that the
 * caller may retry (the secrets service is down) are ApiError 503s.
 */
export interface ObjectKeys {
  /** The key new objects of the stack are sealed with: the newest version. */
  forSealing(stackId: string): Promise<{ version: number; key: KeyObject }>;
  /** The key of one version, named by the envelope of the object to open. */
  forOpening(stackId: string, version: number): Promise<KeyObject>;
}

export interface ObjectSealingOptions {
  /** Seal new objects (`STACKYARD_OBJECT_ENCRYPTION`). Sealed objects are opened either way. */
  seal: boolean;
}

/** How an object of a kind looks when it was stored before encryption at rest (or with it off). */
export type PlainFormat = 'gzip' | 'json';

/**
 * A stored object that cannot be read back as what was written: a sealed object that does not
 * authenticate (corrupted, truncated, copied from another stack or key, sealed with a key the
 * stack does not have), or bytes that are neither sealed nor the plain format of their kind. A
 * server-side fault: it surfaces as a 500 with this message in the log only.
 */
export class StoredObjectError extends Error {
  constructor(
    readonly objectKey: string,
    readonly stackId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`stored object ${objectKey} of stack ${stackId} cannot be read: ${detail}`, options);
    this.name = 'StoredObjectError';
  }
}

const SEALED_CONTENT_TYPE = 'application/octet-stream';
const PLAIN_CONTENT_TYPE = 'application/json';

/**
 * The one way the stacks' stores reach the object store: every object lives under
 * `stacks/<stackId>/`, and new objects are sealed with the stack's object key (AES-256-GCM, see
 * libs/stacks/domain object-envelope.ts) unless sealing is off. Reads open sealed objects and pass
 * plain ones through (objects stored before encryption at rest keep working, no migration).
 *
 * A sealed object is authenticated whole before any of its bytes are handed out, so a reader can
 * never act on tampered data: it is read into one list of plaintext chunks (about its own size)
 * and only then returned. Plain objects still stream from the store.
 */
@Injectable()
export class StackObjects {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(OBJECT_KEYS) private readonly keys: ObjectKeys,
    @Inject(OBJECT_SEALING) private readonly options: ObjectSealingOptions,
  ) {}

  get sealing(): boolean {
    return this.options.seal;
  }

  /** Stores a small object whole (sealed when sealing is on). */
  async put(stackId: string, objectKey: string, plaintext: Buffer): Promise<void> {
    checkPlace(stackId, objectKey);
    if (!this.options.seal) {
      await this.store.put(objectKey, plaintext, { contentType: PLAIN_CONTENT_TYPE });
      return;
    }
    const { version, key } = await this.keys.forSealing(stackId);
    await this.store.put(objectKey, sealObject(key, version, stackId, objectKey, plaintext), { contentType: SEALED_CONTENT_TYPE });
  }

  /**
   * Streams `source` into the store, sealing it on the way when sealing is on. The key is fetched
   * before anything is written; if that fails (or the store does) `source` is destroyed.
   */
  async putStream(stackId: string, objectKey: string, source: Readable): Promise<void> {
    try {
      checkPlace(stackId, objectKey);
      if (!this.options.seal) {
        await this.store.put(objectKey, source, { contentType: PLAIN_CONTENT_TYPE });
        return;
      }
      const { version, key } = await this.keys.forSealing(stackId);
      const sealer = new ObjectSealer(key, version, stackId, objectKey);
      const sealed = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          done(null, sealer.update(chunk));
        },
        flush(done) {
          done(null, sealer.final());
        },
      });
      sealed.push(sealer.prefix);
      await Promise.all([pipeline(source, sealed), this.store.put(objectKey, sealed, { contentType: SEALED_CONTENT_TYPE })]);
    } catch (error) {
      source.destroy(error as Error);
      throw error;
    }
  }

  /** The whole object's content (opened), or undefined when there is no such object. */
  async read(stackId: string, objectKey: string, plain: PlainFormat): Promise<Buffer | undefined> {
    checkPlace(stackId, objectKey);
    const stored = await this.store.getBuffer(objectKey);
    if (!stored) return undefined;
    if (!isSealedObject(stored)) {
      checkPlain(stored, plain, stackId, objectKey);
      return stored;
    }
    try {
      const version = readObjectKeyVersion(stored);
      return openObject(await this.keys.forOpening(stackId, version), version, stackId, objectKey, stored);
    } catch (error) {
      throw asStoredObjectError(error, stackId, objectKey);
    }
  }

  /**
   * The object's content as a stream, or undefined when there is no such object. A plain object
   * streams from the store; a sealed one is read and authenticated whole first (so a failure is
   * an error here, before a response starts, never a stream that turns out to be wrong).
   */
  async open(stackId: string, objectKey: string, plain: PlainFormat): Promise<Readable | undefined> {
    checkPlace(stackId, objectKey);
    const stream = await this.store.get(objectKey);
    if (!stream) return undefined;
    const source = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    try {
      let head: Buffer = Buffer.alloc(0);
      while (head.length < OBJECT_ENVELOPE_PREFIX_BYTES) {
        const next = await source.next();
        if (next.done) break;
        head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
      }
      if (!isSealedObject(head)) {
        checkPlain(head, plain, stackId, objectKey);
        return Readable.from(continueWith(head, source), { objectMode: false });
      }
      const version = readObjectKeyVersion(head);
      if (head.length < OBJECT_ENVELOPE_PREFIX_BYTES) throw new ObjectEnvelopeError('truncated');
      const opener = new ObjectOpener(await this.keys.forOpening(stackId, version), stackId, objectKey, head.subarray(0, OBJECT_ENVELOPE_PREFIX_BYTES));
      const plaintext: Buffer[] = [opener.update(head.subarray(OBJECT_ENVELOPE_PREFIX_BYTES))];
      for (let next = await source.next(); !next.done; next = await source.next()) plaintext.push(opener.update(next.value));
      opener.final();
      return Readable.from(plaintext, { objectMode: false });
    } catch (error) {
      // Closes the store's stream (a file handle, an HTTP response) that was not read to its end.
      await source.return?.().catch(() => undefined);
      stream.destroy();
      throw asStoredObjectError(error, stackId, objectKey);
    }
  }

  /** Removes every object of the stack. */
  async deleteStack(stackId: string): Promise<void> {
    await this.store.deletePrefix(stackPrefix(stackId));
  }
}

function stackPrefix(stackId: string): string {
  return `stacks/${stackId}/`;
}

/** Keys are built by the stores; one outside its stack's prefix is a programming error. */
function checkPlace(stackId: string, objectKey: string): void {
  if (!stackId || stackId.includes('/') || !objectKey.startsWith(stackPrefix(stackId))) {
    throw new Error(`object key ${JSON.stringify(objectKey)} is not under the prefix of stack ${JSON.stringify(stackId)}`);
  }
}

/** Gzip starts with 1f 8b, our JSON markers with `{`: anything else is damage, not a legacy object. */
function checkPlain(head: Buffer, plain: PlainFormat, stackId: string, objectKey: string): void {
  const ok = plain === 'gzip' ? head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b : head.length >= 1 && head[0] === 0x7b;
  if (!ok) throw new StoredObjectError(objectKey, stackId, `it is neither sealed ("SYO1") nor plain ${plain}`);
}

async function* continueWith(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    // A reader that stops early (a client that went away) must not leave the store's stream open.
    await rest.return?.();
  }
}

function asStoredObjectError(error: unknown, stackId: string, objectKey: string): unknown {
  if (error instanceof ObjectEnvelopeError) return new StoredObjectError(objectKey, stackId, error.message, { cause: error });
  return error;
}
