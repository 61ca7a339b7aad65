import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import { validateObjectKey, validateObjectPrefix } from './object-key.util';
import type { ObjectStore } from './object-store';

export interface S3ObjectStoreSettings {
  /** `http://host:port` or `https://host[:port]`; path-style addressing, no path. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Signing region; MinIO and most S3-compatible servers accept the default. */
  region?: string;
  bucket: string;
  /** Prepended to every key (e.g. `stackyard/`), so one bucket can be shared. */
  prefix?: string;
  /** PEM file of the CA that signed the endpoint's certificate (https only). */
  caFile?: string;
  /**
   * Size of one multipart part, which is also what one upload holds in memory. Objects up to this
   * size go in one PUT. Default 16 MiB; S3 requires at least 5 MiB.
   */
  partSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** DeleteObjects accepts at most 1000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * ObjectStore over any S3-compatible endpoint (MinIO, versitygw, AWS) through the `minio` client.
 *
 * Uploads of unknown length are cut into parts here rather than by `minio.putObject`, for two
 * reasons found in its 8.0.7 source: for unknown sizes it picks ~560 MiB parts (held in memory), and
 * it resumes any unfinished multipart upload of the same key, so two writers of one key could mix
 * parts. Our own multipart upload is private to one put and aborted on failure; S3 makes the
 * completed object visible atomically, which gives the interface's old-or-new guarantee.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  private readonly client: Client;
  private readonly partSize: number;
  private readonly agent: HttpAgent | HttpsAgent;
  /** For messages: scheme, host and port only. */
  private readonly where: string;

  constructor(settings: S3ObjectStoreSettings) {
    const url = parseEndpoint(settings.endpoint);
    const useSSL = url.protocol === 'https:';
    if (settings.caFile && !useSSL) throw new Error('S3 CA file given for a plain http:// endpoint');
    this.partSize = settings.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE || this.partSize > 5 * 1024 ** 3) {
      throw new Error(`S3 part size must be an integer between 5 MiB and 5 GiB, got ${this.partSize}`);
    }
    this.bucket = settings.bucket;
    this.region = settings.region || 'us-east-1';
    this.prefix = normalizePrefix(settings.prefix);
    this.where = `${url.protocol}//${url.host}/${this.bucket}`;
    this.agent = useSSL
      ? new HttpsAgent({ keepAlive: true, ca: settings.caFile ? readFileSync(settings.caFile) : undefined })
      : new HttpAgent({ keepAlive: true });
    this.client = new Client({
      endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: settings.accessKey,
      secretKey: settings.secretKey,
      // A fixed region skips minio's GetBucketLocation round trip before the first request.
      region: this.region,
      pathStyle: true,
      // Keeps minio's own putObject (used for single-part uploads) from ever going multipart.
      partSize: this.partSize,
      transportAgent: this.agent,
    });
  }

  /** Creates the bucket if it is missing (start-up; needs permission to create buckets). */
  async ensureBucket(): Promise<void> {
    if (await this.wrap('bucketExists', undefined, () => this.client.bucketExists(this.bucket))) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another replica may have created it between the two calls.
      if (error instanceof S3Error && ['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(error.code ?? '')) return;
      throw this.describe('makeBucket', undefined, error);
    }
  }

  /** Alias of ensureBucket, so both drivers share a start-up hook. */
  prepare(): Promise<void> {
    return this.ensureBucket();
  }

  /** Closes idle keep-alive sockets (tests, shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async put(key: string, body: Buffer | Readable, options?: { contentType?: string }): Promise<void> {
    validateObjectKey(key);
    const name = this.prefix + key;
    const headers = { 'Content-Type': options?.contentType ?? 'application/octet-stream' };
    const parts = fixedSizeParts(body, this.partSize)[Symbol.asyncIterator]();
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        const whole = first.done ? Buffer.alloc(0) : first.value;
        await this.wrap('putObject', key, () => this.client.putObject(this.bucket, name, whole, whole.length, headers));
        return;
      }
      const uploadId = await this.wrap('createMultipartUpload', key, () => this.client.initiateNewMultipartUpload(this.bucket, name, headers));
      try {
        const etags: { part: number; etag: string }[] = [];
        const upload = async (part: Buffer): Promise<void> => {
          const partNumber = etags.length + 1;
          if (partNumber > MAX_PARTS) throw new Error(`object ${JSON.stringify(key)} exceeds ${MAX_PARTS} parts of ${this.partSize} bytes`);
          const result = await this.wrap('uploadPart', key, () =>
            this.client.uploadPart({ bucketName: this.bucket, objectName: name, uploadID: uploadId, partNumber, headers: {} }, part),
          );
          etags.push({ part: partNumber, etag: result.etag });
        };
        await upload(first.value as Buffer);
        await upload(second.value);
        for (let next = await parts.next(); !next.done; next = await parts.next()) await upload(next.value);
        await this.wrap('completeMultipartUpload', key, () => this.client.completeMultipartUpload(this.bucket, name, uploadId, etags));
      } catch (error) {
        // Unfinished uploads hold storage until a lifecycle rule removes them; free it now.
        await this.client.abortMultipartUpload(this.bucket, name, uploadId).catch(() => undefined);
        throw error;
      }
    } finally {
      // Stops reading the source (and destroys it) if an upload failed half-way.
      await parts.return?.();
    }
  }

  async get(key: string): Promise<Readable | undefined> {
    validateObjectKey(key);
    try {
      return await this.client.getObject(this.bucket, this.prefix + key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.describe('getObject', key, error);
    }
  }

  async getBuffer(key: string): Promise<Buffer | undefined> {
    const stream = await this.get(key);
    if (stream === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async exists(key: string): Promise<boolean> {
    validateObjectKey(key);
    try {
      await this.client.statObject(this.bucket, this.prefix + key);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.describe('statObject', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    try {
      await this.client.removeObject(this.bucket, this.prefix + key);
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.describe('removeObject', key, error);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    validateObjectPrefix(prefix);
    const full = this.prefix + prefix;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const names = batch;
      batch = [];
      const results = await this.wrap('removeObjects', prefix, () => this.client.removeObjects(this.bucket, names));
      const failed = results.filter((r) => r?.Error && r.Error.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0]!.Error!;
        throw new Error(`object store ${this.where}: deleting ${failed.length} objects under ${JSON.stringify(prefix)} failed, e.g. ${first.Key ?? '?'}: ${first.Code ?? ''} ${first.Message ?? ''}`);
      }
    };
    try {
      // Listing continues from the last key returned, so deleting batches as we go is safe.
      for await (const item of this.client.listObjectsV2(this.bucket, full, true) as AsyncIterable<{ name?: string }>) {
        if (item.name === undefined) continue;
        batch.push(item.name);
        if (batch.length >= DELETE_BATCH) await flush();
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('object store ')) throw error;
      throw this.describe('listObjectsV2', prefix, error);
    }
    await flush();
  }

  async check(): Promise<void> {
    const exists = await this.wrap('bucketExists', undefined, () => this.client.bucketExists(this.bucket));
    if (!exists) throw new Error(`object store ${this.where}: bucket does not exist`);
  }

  private async wrap<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.describe(operation, key, error);
    }
  }

  /** Adds where and what to minio's terse errors; never credentials (they are not in the URL). */
  private describe(operation: string, key: string | undefined, error: unknown): Error {
    if (error instanceof Error && error.message.startsWith('object store ')) return error;
    const code = error instanceof S3Error && error.code ? `${error.code}: ` : '';
    const message = error instanceof Error ? error.message : String(error);
    const what = key === undefined ? '' : ` ${JSON.stringify(key)}`;
    return new Error(`object store ${this.where}: ${operation}${what} failed: ${code}${message}`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3Error && ['NoSuchKey', 'NotFound', 'NoSuchObject'].includes(error.code ?? '');
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`S3 endpoint is not a URL: ${JSON.stringify(endpoint)} (expected e.g. http://127.0.0.1:9000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`S3 endpoint must be http:// or https://, got ${url.protocol}`);
  if (url.username || url.password) throw new Error('S3 endpoint must not contain credentials; set the access and secret keys instead');
  if (url.pathname !== '/' && url.pathname !== '') throw new Error(`S3 endpoint must not have a path (got ${url.pathname}); the bucket is set separately`);
  return url;
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  validateObjectKey(trimmed);
  return `${trimmed}/`;
}

/** Cuts a Buffer or a stream into `size`-byte Buffers (the last may be shorter; none when empty). */
async function* fixedSizeParts(body: Buffer | Readable, size: number): AsyncGenerator<Buffer, void, undefined> {
  if (Buffer.isBuffer(body)) {
    for (let offset = 0; offset < body.length; offset += size) yield body.subarray(offset, offset + size);
    return;
  }
  let pending: Buffer[] = [];
  let pendingLength = 0;
  for await (const raw of body as AsyncIterable<Buffer | string>) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    while (pendingLength + chunk.length >= size) {
      const take = size - pendingLength;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending, size);
      chunk = chunk.subarray(take);
      pending = [];
      pendingLength = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingLength += chunk.length;
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength);
}
