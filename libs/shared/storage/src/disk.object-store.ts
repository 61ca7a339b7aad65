import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { RESERVED_SEGMENT_PREFIX, validateObjectKey, validateObjectPrefix } from './object-key.util';
import type { ObjectStore } from './object-store';

/** Object files may hold checkpoints (ciphertext, but still): owner-only, like the rest of the data dir. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * The embedded mode's object store: one file per key under `root`.
 *
 * Writes go to a temporary file in the target directory, are fsynced, renamed over the target and
 * the directory is fsynced; rename(2) within a directory is atomic, so a reader sees the old or the
 * new file, and a crash leaves at most a stray temporary file. A reader keeps the inode it opened,
 * so a concurrent overwrite never truncates a stream that is being read.
 *
 * Limitations compared with S3, by nature of a file tree: `a` and `a/b` cannot both exist (one
 * would have to be a file and a directory), and content types are not stored.
 */
export class DiskObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Creates the root directory if needed (start-up, before `check`). */
  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: DIR_MODE });
  }

  async put(key: string, body: Buffer | Readable, _options?: { contentType?: string }): Promise<void> {
    const target = this.pathOf(key);
    const dir = dirname(target);
    const firstCreated = await this.mkdirp(dir, key);
    const temp = join(dir, `${RESERVED_SEGMENT_PREFIX}${randomBytes(8).toString('hex')}`);
    let handle: FileHandle | undefined = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
    try {
      if (Buffer.isBuffer(body)) {
        await handle.writeFile(body);
      } else {
        // Awaiting each write keeps memory flat: the stream is not read faster than the disk takes it.
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          await handle.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        }
      }
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, target);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new Error(`cannot store object ${JSON.stringify(key)}: objects exist below it (the disk store cannot hold both "x" and "x/…")`, { cause: error });
      }
      throw error;
    }
    // The rename is durable only once the directory entry is; new parent directories likewise
    // need their own entries synced in their parents.
    await fsyncDir(dir);
    if (firstCreated !== undefined) {
      for (let d = dir; d !== dirname(firstCreated) && d.length > this.root.length; d = dirname(d)) {
        await fsyncDir(dirname(d));
      }
    }
  }

  async get(key: string): Promise<Readable | undefined> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        return undefined;
      }
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    // Opening before returning means a later rename or unlink cannot affect this reader.
    return handle.createReadStream({ autoClose: true });
  }

  async getBuffer(key: string): Promise<Buffer | undefined> {
    const stream = await this.get(key);
    if (stream === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    return stats.isFile();
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      // EISDIR/EPERM: the key names a directory of other objects, i.e. there is no such object.
      if (isMissing(error) || ['EISDIR', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw error;
    }
    await fsyncDir(dirname(path)).catch(() => undefined);
  }

  async deletePrefix(prefix: string): Promise<void> {
    validateObjectPrefix(prefix);
    const dir = this.pathOf(prefix.slice(0, -1));
    // A prefix ending in "/" is exactly the directory's subtree. A plain file of that name is an
    // object "x", not under "x/", so it stays.
    let stats: Stats;
    try {
      stats = await stat(dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    if (!stats.isDirectory()) return;
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    await fsyncDir(dirname(dir)).catch(() => undefined);
  }

  async check(): Promise<void> {
    const probe = join(this.root, `${RESERVED_SEGMENT_PREFIX}check-${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
      try {
        await handle.writeFile('ok');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(probe);
    } catch (error) {
      await unlink(probe).catch(() => undefined);
      throw new Error(`object store directory ${this.root} is not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
  }

  private pathOf(key: string): string {
    validateObjectKey(key);
    const path = join(this.root, ...key.split('/'));
    // Validation already rules out escapes; this is the belt to its braces.
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || rel.split(sep).includes('..')) throw new Error(`object key escapes the store root: ${JSON.stringify(key)}`);
    return path;
  }

  /** mkdir -p that explains the one conflict users can cause: an object where a directory must go. */
  private async mkdirp(dir: string, key: string): Promise<string | undefined> {
    try {
      return await mkdir(dir, { recursive: true, mode: DIR_MODE });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new Error(`cannot store object ${JSON.stringify(key)}: an object exists at one of its parent paths (the disk store cannot hold both "x" and "x/…")`, { cause: error });
      }
      throw error;
    }
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
