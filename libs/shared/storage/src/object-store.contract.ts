import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { InvalidObjectKeyError } from './object-key.util';
import type { ObjectStore } from './object-store';

/**
 * The behaviour every ObjectStore driver must share, written once and run against each driver
 * (disk in unit tests, S3 against a real server in integration tests). Not exported from the
 * library index: it imports node:test, which has no business in production code.
 */
export interface ObjectStoreFixture {
  store: ObjectStore;
  teardown?: () => Promise<void>;
}

export interface ObjectStoreContractOptions {
  /** Bytes of the unknown-length stream round trip (default 20 MiB). */
  largeStreamBytes?: number;
  /** Size of each value in the concurrent overwrite test (default 256 KiB). */
  atomicValueBytes?: number;
  /** Where a failing upload stream breaks; above the S3 part size it exercises multipart abort. */
  failingStreamBytes?: number;
}

const MiB = 1024 * 1024;

export function objectStoreContract(
  name: string,
  factory: () => Promise<ObjectStoreFixture>,
  options: ObjectStoreContractOptions = {},
): void {
  const largeStreamBytes = options.largeStreamBytes ?? 20 * MiB;
  const atomicValueBytes = options.atomicValueBytes ?? 256 * 1024;
  const failingStreamBytes = options.failingStreamBytes ?? 12 * MiB;

  void describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture | undefined;
    let store: ObjectStore;
    let counter = 0;
    /** Each test works under its own prefix, so tests stay independent on a shared store. */
    const ns = (): string => `contract-${process.pid}-${Date.now().toString(36)}-${counter++}`;

    before(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    after(async () => {
      await fixture?.teardown?.();
    });

    void it('check() succeeds on a usable store', async () => {
      await assert.doesNotReject(store.check());
    });

    void it('round-trips a Buffer through get, getBuffer and exists', async () => {
      const key = `${ns()}/checkpoint.json`;
      const body = Buffer.from(JSON.stringify({ version: 3, deployment: { resources: [] } }));
      await store.put(key, body, { contentType: 'application/json' });
      assert.equal(await store.exists(key), true);
      assert.deepEqual(await store.getBuffer(key), body);
      const stream = await store.get(key);
      assert.ok(stream, 'get returns a stream for a stored key');
      assert.deepEqual(await collect(stream), body);
    });

    void it('stores empty objects from a Buffer and from an empty stream', async () => {
      const base = ns();
      await store.put(`${base}/empty-buffer`, Buffer.alloc(0));
      await store.put(`${base}/empty-stream`, Readable.from([]));
      assert.deepEqual(await store.getBuffer(`${base}/empty-buffer`), Buffer.alloc(0));
      assert.deepEqual(await store.getBuffer(`${base}/empty-stream`), Buffer.alloc(0));
      assert.equal(await store.exists(`${base}/empty-stream`), true);
    });

    void it('is binary-safe (every byte value, NUL, CR/LF, invalid UTF-8)', async () => {
      const key = `${ns()}/binary.bin`;
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const body = Buffer.concat([allBytes, Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0xc3, 0x28]), allBytes.reverse()]);
      await store.put(key, body);
      assert.deepEqual(await store.getBuffer(key), body);
      await store.put(`${key}.stream`, Readable.from([body.subarray(0, 100), body.subarray(100)]));
      assert.deepEqual(await store.getBuffer(`${key}.stream`), body);
    });

    void it(`round-trips a ${Math.round(largeStreamBytes / MiB)} MiB stream of unknown length`, async () => {
      const key = `${ns()}/large.bin`;
      const source = randomStream(largeStreamBytes);
      await store.put(key, source.stream);
      const stored = await store.get(key);
      assert.ok(stored);
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of stored as AsyncIterable<Buffer>) {
        hash.update(chunk);
        length += chunk.length;
      }
      assert.equal(length, largeStreamBytes);
      assert.equal(hash.digest('hex'), source.sha256(), 'the bytes read back are the bytes written');
    });

    void it('accepts keys with spaces, unicode and dots inside segments', async () => {
      const key = `${ns()}/org/my project/stack ü.v1/.hidden/checkpoint+1=ok.json`;
      await store.put(key, Buffer.from('x'));
      assert.equal(await store.exists(key), true);
      assert.deepEqual(await store.getBuffer(key), Buffer.from('x'));
    });

    void it('overwrites replace the whole previous value, from Buffers and streams', async () => {
      const key = `${ns()}/value`;
      await store.put(key, Buffer.from('first value, which is longer than the next'));
      await store.put(key, Buffer.from('second'));
      assert.deepEqual(await store.getBuffer(key), Buffer.from('second'));
      await store.put(key, Readable.from([Buffer.from('th'), Buffer.from('ird')]));
      assert.deepEqual(await store.getBuffer(key), Buffer.from('third'));
    });

    void it('concurrent readers during overwrites always see a complete old or new value', async () => {
      const key = `${ns()}/atomic`;
      const writes = 24;
      // Value i is atomicValueBytes copies of byte i: a torn or partial read cannot pass for any value.
      const values = Array.from({ length: writes + 1 }, (_, i) => Buffer.alloc(atomicValueBytes, i));
      await store.put(key, values[0]);
      let writing = true;
      let reads = 0;
      const reader = async (): Promise<void> => {
        while (writing) {
          const got = await store.getBuffer(key);
          assert.ok(got, 'the key never disappears during an overwrite');
          const expected = values[got[0]];
          assert.ok(expected && got.equals(expected), `read ${got.length} bytes starting ${got[0]}: not a whole written value`);
          reads++;
        }
      };
      const writer = async (): Promise<void> => {
        try {
          for (let i = 1; i <= writes; i++) {
            const value = values[i];
            // Alternate the two input kinds: both must replace atomically.
            await store.put(key, i % 2 === 0 ? value : chunkedStream(value, 64 * 1024));
          }
        } finally {
          writing = false;
        }
      };
      await Promise.all([writer(), reader(), reader(), reader(), reader()]);
      assert.ok(reads >= 4, `readers ran (${reads} reads)`);
      assert.deepEqual(await store.getBuffer(key), values[writes]);
    });

    void it('a put whose stream fails leaves the previous value and rejects with the stream error', async () => {
      const key = `${ns()}/kept`;
      await store.put(key, Buffer.from('previous'));
      const broken = Readable.from(
        (function* () {
          const chunk = Buffer.alloc(MiB, 7);
          for (let sent = 0; sent < failingStreamBytes; sent += chunk.length) yield chunk;
          throw new Error('source stream broke');
        })(),
      );
      await assert.rejects(store.put(key, broken), /source stream broke/);
      assert.deepEqual(await store.getBuffer(key), Buffer.from('previous'));
    });

    void it('reports a missing key as undefined / false', async () => {
      const key = `${ns()}/never-written`;
      assert.equal(await store.get(key), undefined);
      assert.equal(await store.getBuffer(key), undefined);
      assert.equal(await store.exists(key), false);
    });

    void it('delete removes an object and is idempotent', async () => {
      const key = `${ns()}/doomed`;
      await store.put(key, Buffer.from('bye'));
      await store.delete(key);
      assert.equal(await store.exists(key), false);
      assert.equal(await store.getBuffer(key), undefined);
      await assert.doesNotReject(store.delete(key));
      await assert.doesNotReject(store.delete(`${ns()}/was-never-there`));
    });

    void it('deletePrefix removes exactly the keys under the prefix', async () => {
      const base = ns();
      const doomed = [`${base}/a/1`, `${base}/a/2`, `${base}/a/b/c/3`];
      const kept = [`${base}/ab/4`, `${base}/a.txt`, `${base}/b/a/5`];
      for (const key of [...doomed, ...kept]) await store.put(key, Buffer.from(key));
      await store.deletePrefix(`${base}/a/`);
      for (const key of doomed) assert.equal(await store.exists(key), false, `${key} deleted`);
      for (const key of kept) assert.deepEqual(await store.getBuffer(key), Buffer.from(key), `${key} kept`);
      await assert.doesNotReject(store.deletePrefix(`${base}/nothing-here/`));
      await store.deletePrefix(`${base}/`);
      for (const key of kept) assert.equal(await store.exists(key), false, `${key} deleted with its parent prefix`);
    });

    void it('deletePrefix handles more keys than one delete request takes', async () => {
      const base = ns();
      const keys = Array.from({ length: 1100 }, (_, i) => `${base}/many/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, Buffer.from('x'))));
      }
      await store.put(`${base}/other`, Buffer.from('stay'));
      await store.deletePrefix(`${base}/many/`);
      for (const key of [keys[0], keys[999], keys[1000], keys[1099]]) assert.equal(await store.exists(key), false, key);
      assert.equal(await store.exists(`${base}/other`), true);
    });

    void it('rejects invalid keys in every operation with InvalidObjectKeyError', async () => {
      const bad = ['', '/abs/key', 'a//b', 'a/', '../escape', 'a/../../b', 'a/./b', '.', 'a\\b', 'a\u0000b', 'a/\nb', '.stackyard-tmp-1'];
      for (const key of bad) {
        const label = JSON.stringify(key);
        await assert.rejects(store.put(key, Buffer.from('x')), InvalidObjectKeyError, `put ${label}`);
        await assert.rejects(store.get(key), InvalidObjectKeyError, `get ${label}`);
        await assert.rejects(store.getBuffer(key), InvalidObjectKeyError, `getBuffer ${label}`);
        await assert.rejects(store.exists(key), InvalidObjectKeyError, `exists ${label}`);
        await assert.rejects(store.delete(key), InvalidObjectKeyError, `delete ${label}`);
      }
      for (const prefix of ['', '/', 'a', '/a/', '../', 'a//', 'a/../']) {
        await assert.rejects(store.deletePrefix(prefix), InvalidObjectKeyError, `deletePrefix ${JSON.stringify(prefix)}`);
      }
      await assert.rejects(store.put('../x', Buffer.from('x')), /must|not allowed|segment/, 'the message says what is wrong');
    });
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A stream with no known length (a generator), plus the hash of what it produced. */
function randomStream(total: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let done = false;
  const stream = Readable.from(
    (function* () {
      for (let sent = 0; sent < total; ) {
        // Odd-sized chunks so part boundaries never line up with chunk boundaries.
        const chunk = randomBytes(Math.min(200_003, total - sent));
        hash.update(chunk);
        sent += chunk.length;
        yield chunk;
      }
      done = true;
    })(),
  );
  return {
    stream,
    sha256: () => {
      assert.ok(done, 'the source stream was read to the end');
      return hash.digest('hex');
    },
  };
}

function chunkedStream(value: Buffer, chunkSize: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < value.length; offset += chunkSize) chunks.push(value.subarray(offset, offset + chunkSize));
  return Readable.from(chunks);
}
