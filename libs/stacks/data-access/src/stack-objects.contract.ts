import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ApiError } from '@stackyard/shared-errors';
import type { ObjectStore } from '@stackyard/shared-storage';
import { CheckpointBaselineStore } from './checkpoint-baseline.store';
import { CheckpointStore } from './checkpoint.store';
import { InMemoryObjectKeys } from './in-memory-object-keys';
import { JournalStore } from './journal.store';
import { type ObjectKeys, StackObjects, StoredObjectError } from './stack-objects';

/**
 * The stacks' stores over the sealing layer, run against each object-store driver (disk in the
 * unit tier, S3 against versitygw in the integration tier). Not exported from the library index:
 * it imports node:test.
 */
export interface StoresFixture {
  store: ObjectStore;
  teardown?: () => Promise<void>;
}

const MiB = 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A deployment of about `bytes`, with incompressible noise so it stays large after gzip. */
function state(bytes: number): Buffer {
  const resources = [];
  for (let size = 0, i = 0; size < bytes; i++) {
    const note = randomBytes(3000).toString('base64');
    size += note.length + 80;
    resources.push({ urn: `urn:pulumi:dev::p::t::r${i}`, outputs: { note } });
  }
  return Buffer.from(JSON.stringify({ version: 3, deployment: { manifest: { time: '2026-11-26T00:00:00Z', magic: '', version: '' }, resources } }));
}

const storedObjectError = (pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof StoredObjectError, `expected a StoredObjectError, got ${String(error)}`);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

export function stackStoresContract(name: string, factory: () => Promise<StoresFixture>): void {
  void describe(`stack stores over sealed objects: ${name}`, () => {
    let fixture: StoresFixture | undefined;
    let raw: ObjectStore;
    let keys: InMemoryObjectKeys;
    let objects: StackObjects;
    let checkpoints: CheckpointStore;
    let baselines: CheckpointBaselineStore;
    let journals: JournalStore;
    const plainStores = () => {
      const plain = new StackObjects(raw, keys, { seal: false });
      return { objects: plain, checkpoints: new CheckpointStore(plain), baselines: new CheckpointBaselineStore(plain), journals: new JournalStore(plain) };
    };
    const sealedBytes = async (key: string) => {
      const bytes = await raw.getBuffer(key);
      assert.ok(bytes, `${key} is stored`);
      return bytes;
    };

    before(async () => {
      fixture = await factory();
      raw = fixture.store;
      keys = new InMemoryObjectKeys();
      objects = new StackObjects(raw, keys, { seal: true });
      checkpoints = new CheckpointStore(objects);
      baselines = new CheckpointBaselineStore(objects);
      journals = new JournalStore(objects);
    });
    after(async () => {
      await fixture?.teardown?.();
    });

    void it('seals checkpoints, baselines, journal bases and batches ("SYO1"), and reads them back', async () => {
      const stack = randomUUID();
      const text = state(64 * 1024);
      const key = checkpoints.key(stack, 3);
      await checkpoints.write(stack, key, [text.subarray(0, 1000), text.subarray(1000)]);
      const marker = { updateId: 'update-id-marker-7c41d9e2', sequenceNumber: 7, sha256: createHash('sha256').update(text).digest('hex') };
      await baselines.write(stack, 3, marker);
      await journals.writeBase(stack, 4, { updateId: 'u2', baseObjectKey: key, cliVersion: 'v3.274.1' });
      const batch = { updateId: 'u2', batch: 1, firstSeq: 1, lastSeq: 2, entries: [{ kind: 0, note: 'journal-marker-text' }] };
      await journals.writeBatch(stack, 4, batch);

      for (const k of [key, baselines.key(stack, 3), journals.baseKey(stack, 4), journals.batchKey(stack, 4, 1)]) {
        const bytes = await sealedBytes(k);
        assert.equal(bytes.subarray(0, 4).toString('latin1'), 'SYO1', k);
        for (const text of ['update-id-marker-7c41d9e2', 'journal-marker-text', 'urn:pulumi:dev', 'v3.274.1']) assert.ok(!bytes.includes(text), `${k} holds ${text} in plaintext`);
      }
      assert.deepEqual(await checkpoints.readText(stack, key), text);
      assert.deepEqual(gunzipSync(await collect((await checkpoints.openCompressed(stack, key))!)), text, 'openCompressed answers the gzip bytes');
      assert.deepEqual(await collect((await checkpoints.openText(stack, key))!), text);
      assert.deepEqual(await baselines.read(stack, 3), marker);
      assert.deepEqual(await journals.readBase(stack, 4), { updateId: 'u2', baseObjectKey: key, cliVersion: 'v3.274.1' });
      assert.deepEqual(await journals.readBatch(stack, 4, 1), batch);
      assert.equal(await journals.readBatch(stack, 4, 2), undefined);
      assert.equal(await checkpoints.readText(stack, checkpoints.key(stack, 9)), undefined);
      assert.equal(await checkpoints.openCompressed(stack, checkpoints.key(stack, 9)), undefined);
      assert.equal(await baselines.read(stack, 9), undefined);
    });

    void it('streams a large checkpoint through gzip and sealing (multipart on S3) and opens it', async () => {
      const stack = randomUUID();
      const text = state(12 * MiB);
      const key = checkpoints.key(stack, 1);
      const pieces = [];
      for (let at = 0; at < text.length; at += 1 * MiB) pieces.push(text.subarray(at, at + 1 * MiB));
      await checkpoints.write(stack, key, pieces);
      assert.equal((await sealedBytes(key)).subarray(0, 4).toString('latin1'), 'SYO1');
      assert.ok(createHash('sha256').update((await checkpoints.readText(stack, key))!).digest().equals(createHash('sha256').update(text).digest()));
    });

    void it('reads objects stored without sealing (legacy installations), and sealing off still reads sealed ones', async () => {
      const stack = randomUUID();
      const plain = plainStores();
      const text = state(10 * 1024);
      const key = plain.checkpoints.key(stack, 1);
      await plain.checkpoints.write(stack, key, [text]);
      await plain.baselines.write(stack, 1, { updateId: 'u', sequenceNumber: 1, sha256: 'ab' });
      await plain.journals.writeBase(stack, 2, { updateId: 'u2', baseObjectKey: key });
      await plain.journals.writeBatch(stack, 2, { updateId: 'u2', batch: 1, firstSeq: 1, lastSeq: 1, entries: [] });
      const legacy = await sealedBytes(key);
      assert.deepEqual([legacy[0], legacy[1]], [0x1f, 0x8b], 'plain checkpoints are gzip as before');
      assert.equal((await sealedBytes(plain.baselines.key(stack, 1))).toString('utf8')[0], '{');
      // Read by a sealing api (the default after an upgrade).
      assert.deepEqual(await checkpoints.readText(stack, key), text);
      assert.deepEqual(await collect((await checkpoints.openCompressed(stack, key))!), legacy, 'legacy gzip streams through untouched');
      assert.equal((await baselines.read(stack, 1))?.sequenceNumber, 1);
      assert.equal((await journals.readBase(stack, 2))?.baseObjectKey, key);
      assert.equal((await journals.readBatch(stack, 2, 1))?.batch, 1);
      // And the other way round: an api with sealing off reads what a sealing one stored.
      const sealedKey = checkpoints.key(stack, 3);
      await checkpoints.write(stack, sealedKey, [text]);
      assert.deepEqual(await plain.checkpoints.readText(stack, sealedKey), text);
    });

    void it('after a key rotation seals with the new version and opens the old objects with theirs', async () => {
      const stack = randomUUID();
      const text = state(4 * 1024);
      await checkpoints.write(stack, checkpoints.key(stack, 1), [text]);
      assert.equal(keys.rotate(stack), 2);
      await checkpoints.write(stack, checkpoints.key(stack, 2), [text]);
      assert.equal((await sealedBytes(checkpoints.key(stack, 1))).readUInt32BE(4), 1);
      assert.equal((await sealedBytes(checkpoints.key(stack, 2))).readUInt32BE(4), 2);
      assert.deepEqual(await checkpoints.readText(stack, checkpoints.key(stack, 1)), text);
      assert.deepEqual(await checkpoints.readText(stack, checkpoints.key(stack, 2)), text);
    });

    void it('refuses, as a server fault, a sealed object copied to another stack or path, corrupted, or sealed with a foreign key', async () => {
      const stack = randomUUID();
      const other = randomUUID();
      const text = state(4 * 1024);
      const key = checkpoints.key(stack, 1);
      await checkpoints.write(stack, key, [text]);
      await checkpoints.write(other, checkpoints.key(other, 1), [text]);
      const sealed = await sealedBytes(key);

      // Copied to the other stack (which has a key of the same version), and to another version.
      await raw.put(checkpoints.key(other, 2), sealed);
      await assert.rejects(checkpoints.readText(other, checkpoints.key(other, 2)), storedObjectError(/authentication failed/));
      await raw.put(checkpoints.key(stack, 2), sealed);
      await assert.rejects(checkpoints.openCompressed(stack, checkpoints.key(stack, 2)), storedObjectError(/authentication failed/));
      // One flipped bit in the ciphertext, in the tag, a truncation.
      for (const at of [30, sealed.length - 1]) {
        const flipped = Buffer.from(sealed);
        flipped[at] ^= 0x01;
        await raw.put(checkpoints.key(stack, 3), flipped);
        await assert.rejects(checkpoints.readText(stack, checkpoints.key(stack, 3)), storedObjectError(), `flip at ${at}`);
      }
      await raw.put(checkpoints.key(stack, 3), sealed.subarray(0, 18));
      await assert.rejects(checkpoints.openCompressed(stack, checkpoints.key(stack, 3)), storedObjectError(/truncated/));
      // A marker sealed by another installation (another key of the same version).
      const foreign = new StackObjects(raw, new InMemoryObjectKeys(), { seal: true });
      await new CheckpointBaselineStore(foreign).write(stack, 5, { updateId: 'u', sequenceNumber: 1, sha256: 'ab' });
      await assert.rejects(baselines.read(stack, 5), storedObjectError(/authentication failed/));
      // A damaged magic is neither sealed nor plain: an error, not a legacy object read as garbage.
      const damaged = Buffer.from(sealed);
      damaged[0] = 0x54;
      await raw.put(checkpoints.key(stack, 4), damaged);
      await assert.rejects(checkpoints.readText(stack, checkpoints.key(stack, 4)), storedObjectError(/neither sealed/));
      await raw.put(journals.batchKey(stack, 6, 1), Buffer.from('not gzip'));
      await assert.rejects(journals.readBatch(stack, 6, 1), storedObjectError(/neither sealed/));
      // A version the stack has no key for.
      const future = Buffer.from(sealed);
      future.writeUInt32BE(9, 4);
      await raw.put(checkpoints.key(stack, 7), future);
      await assert.rejects(checkpoints.readText(stack, checkpoints.key(stack, 7)), /no object key v9/);
    });

    void it('a secrets outage fails writes and sealed reads with its 503, storing nothing', async () => {
      const stack = randomUUID();
      const text = state(4 * 1024);
      await checkpoints.write(stack, checkpoints.key(stack, 1), [text]);
      const down: ObjectKeys = {
        forSealing: () => Promise.reject(ApiError.unavailable('secrets service unreachable (ECONNREFUSED)')),
        forOpening: () => Promise.reject(ApiError.unavailable('secrets service unreachable (ECONNREFUSED)')),
      };
      const outage = new StackObjects(raw, down, { seal: true });
      const is503 = (error: unknown) => error instanceof ApiError && error.status === 503;
      await assert.rejects(new CheckpointStore(outage).write(stack, checkpoints.key(stack, 2), [state(2 * MiB)]), is503);
      await assert.rejects(new JournalStore(outage).writeBatch(stack, 2, { updateId: 'u', batch: 1, firstSeq: 1, lastSeq: 1, entries: [] }), is503);
      assert.equal(await raw.exists(checkpoints.key(stack, 2)), false);
      assert.equal(await raw.exists(journals.batchKey(stack, 2, 1)), false);
      await assert.rejects(new CheckpointStore(outage).readText(stack, checkpoints.key(stack, 1)), is503);
      await assert.rejects(new CheckpointStore(outage).openCompressed(stack, checkpoints.key(stack, 1)), is503);
    });

    void it('keeps every object under its stack and deletes them with it', async () => {
      const stack = randomUUID();
      await assert.rejects(objects.put(stack, `stacks/${randomUUID()}/checkpoints/1.json.gz`, Buffer.from('{}')), /not under the prefix/);
      await checkpoints.write(stack, checkpoints.key(stack, 1), [state(1024)]);
      await journals.writeBatch(stack, 2, { updateId: 'u', batch: 1, firstSeq: 1, lastSeq: 1, entries: [] });
      await checkpoints.deleteStack(stack);
      assert.equal(await raw.exists(checkpoints.key(stack, 1)), false);
      assert.equal(await raw.exists(journals.batchKey(stack, 2, 1)), false);
    });

    void it('a gzip object and a JSON marker stored by an old release are told apart from damage', async () => {
      const stack = randomUUID();
      const batch = { updateId: 'u', batch: 1, firstSeq: 1, lastSeq: 1, entries: [] };
      await raw.put(journals.batchKey(stack, 1, 1), gzipSync(Buffer.from(JSON.stringify(batch))));
      await raw.put(journals.baseKey(stack, 1), Buffer.from(JSON.stringify({ updateId: 'u', baseObjectKey: null })));
      assert.deepEqual(await journals.readBatch(stack, 1, 1), batch);
      assert.deepEqual(await journals.readBase(stack, 1), { updateId: 'u', baseObjectKey: null, cliVersion: '' });
    });
  });
}
