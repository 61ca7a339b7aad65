/**
 * Thrown by `scanJson` for a body that is not acceptable JSON. The byte offset lets a 400 answer
 * point at the problem in a body that may be hundreds of MiB, where a line/column is meaningless.
 */
export class JsonScanError extends Error {
  constructor(
    /** Byte offset (0-based) into the scanned buffer where the problem was detected. */
    readonly offset: number,
    /** Short description without the offset, e.g. "unterminated string". */
    readonly reason: string,
  ) {
    super(`invalid JSON at byte ${offset}: ${reason}`);
    this.name = 'JsonScanError';
  }
}
