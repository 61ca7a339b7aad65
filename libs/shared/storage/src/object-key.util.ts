/**
 * Raised for a key or prefix that no driver may store. Keys are built by services (never taken raw
 * from a request), so this is a programming error and deliberately not an ApiError: it must
 * surface as a 500 and a bug report, not as a client-facing 400.
 */
export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

/**
 * Segment names the disk driver uses for its in-flight temporary files. Reserving them for every
 * driver keeps both drivers accepting exactly the same keys.
 */
export const RESERVED_SEGMENT_PREFIX = '.stackyard-tmp-';

/** S3 allows 1024 bytes per key; the S3 driver may prepend a prefix, so keep headroom. */
const MAX_KEY_BYTES = 900;
/** Most Linux filesystems limit one path component to 255 bytes (NAME_MAX). */
const MAX_SEGMENT_BYTES = 255;

/**
 * Checks the rules every driver shares: a key is a relative, `/`-separated path whose segments are
 * non-empty, are not `.` or `..`, and contain no backslash or control character. These rules are
 * what keep the disk driver inside its root directory and make keys portable between drivers.
 */
export function validateObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidObjectKeyError(String(key), 'empty key');
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, 'must be relative (no leading "/")');
  if (key.includes('\\')) throw new InvalidObjectKeyError(key, 'backslashes are not allowed');
   
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new InvalidObjectKeyError(key, 'control characters are not allowed');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InvalidObjectKeyError(key, `longer than ${MAX_KEY_BYTES} bytes`);
  }
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidObjectKeyError(key, 'empty path segment (leading, trailing or doubled "/")');
    if (segment === '.' || segment === '..') throw new InvalidObjectKeyError(key, `"${segment}" segments are not allowed`);
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX)) {
      throw new InvalidObjectKeyError(key, `segments starting with "${RESERVED_SEGMENT_PREFIX}" are reserved`);
    }
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new InvalidObjectKeyError(key, `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
}

/**
 * A prefix for `deletePrefix` must name a "directory": a valid key followed by `/`. Requiring the
 * slash stops `stacks/a` from also deleting `stacks/ab/…`, and forbids the empty prefix, which would
 * wipe the whole store.
 */
export function validateObjectPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !prefix.endsWith('/')) {
    throw new InvalidObjectKeyError(String(prefix), 'a prefix must end with "/"');
  }
  validateObjectKey(prefix.slice(0, -1));
}
