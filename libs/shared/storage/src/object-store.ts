import type { Readable } from 'node:stream';

/**
 * Where checkpoints and other large payloads live. One interface, two drivers: S3 (any
 * S3-compatible endpoint, path-style, through the `minio` client) and local disk (embedded mode).
 * Keys are `/`-separated, relative, and never contain `..`.
 */
export interface ObjectStore {
  /**
   * Stores `body` under `key`, replacing any previous object atomically: a reader sees the old or
   * the new object, never a part. Resolves only once the object is durable.
   */
  put(key: string, body: Buffer | Readable, options?: { contentType?: string }): Promise<void>;
  /** A stream of the object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Readable | undefined>;
  /** The whole object in memory (small objects only), or undefined. */
  getBuffer(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every object whose key starts with `prefix` (which must end with `/`). */
  deletePrefix(prefix: string): Promise<void>;
  /** Throws when the store cannot be reached or used (readiness probe, start-up check). */
  check(): Promise<void>;
}
