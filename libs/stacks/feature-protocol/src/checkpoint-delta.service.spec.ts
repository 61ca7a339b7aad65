import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { DiskObjectStore } from '@stackyard/shared-storage';
import { CheckpointBaselineStore, CheckpointStore, InMemoryObjectKeys, StackObjects, type StackEntity, type UpdateEntity } from '@stackyard/stacks-data-access';
import { sha256Hex } from '@stackyard/stacks-domain';
import { tempDir } from '@stackyard/testing';
import { CheckpointBaselineCache } from './checkpoint-baseline.cache';
import { CheckpointDeltaService } from './checkpoint-delta.service';
import type { ProtocolSettings } from './protocol-settings';
import type { UpdateLifecycleService } from './update-lifecycle.service';

Logger.overrideLogger(false);

const stack = { id: 'stack-1' } as StackEntity;
const update = { id: 'update-1', stackId: 'stack-1', version: 4, dryRun: false } as UpdateEntity;

/** The CLI's layout: header span, one span per resource, trailer. */
function stateText(resources: string[]): Buffer {
  const head = '{"version":3,"deployment":{"manifest":{"time":"t","magic":"m","version":"v"},"metadata":{}';
  return Buffer.from(resources.length ? `${head},"resources":[${resources.join(',')}]}}` : `${head}}}`, 'utf8');
}

const resource = (name: string, note: string) => `{"urn":"urn:pulumi:dev::p::t::${name}","custom":true,"outputs":{"note":"${note}"}}`;

/** A delta that replaces resource `index` (by its exact bytes), as the CLI's LCS over spans would. */
function replaceResource(before: Buffer, oldJson: string, newJson: string) {
  const start = before.indexOf(Buffer.from(oldJson, 'utf8'));
  assert.ok(start >= 0);
  const end = start + Buffer.byteLength(oldJson, 'utf8');
  const after = Buffer.concat([before.subarray(0, start), Buffer.from(newJson, 'utf8'), before.subarray(end)]);
  return { after, edit: { Span: { uri: '', start: { line: 1, column: 1, offset: start }, end: { line: 1, column: 1, offset: end } }, NewText: newJson } };
}

const verbatimBody = (text: Buffer, seq: number) => Buffer.concat([Buffer.from('{"version":3,"untypedDeployment":'), text, Buffer.from(`,"sequenceNumber":${seq}}`)]);
const deltaBody = (edits: unknown[], hash: string, seq: number) => Buffer.from(JSON.stringify({ version: 3, checkpointHash: hash, sequenceNumber: seq, deploymentDelta: edits }));

function setup(settings: Partial<ProtocolSettings> = {}) {
  const objects = new StackObjects(new DiskObjectStore(tempDir('delta-service')), new InMemoryObjectKeys(), { seal: true });
  const checkpoints = new CheckpointStore(objects);
  const baselines = new CheckpointBaselineStore(objects);
  const commits: Array<{ key: string; resourceCount: number }> = [];
  const lifecycle = {
    commitCheckpoint: (_s: StackEntity, _u: UpdateEntity, key: string, resourceCount: number) => {
      commits.push({ key, resourceCount });
      return Promise.resolve();
    },
  } as unknown as UpdateLifecycleService;
  const make = () => new CheckpointDeltaService(lifecycle, checkpoints, baselines, { leaseSeconds: 300, principalCacheSeconds: 5, deltaCheckpoints: true, ...settings });
  const stored = async () => (await checkpoints.readText(stack.id, checkpoints.key(stack.id, update.version)))?.toString('utf8');
  return { objects, make, commits, stored, baselines };
}

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.status, status, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

void describe('CheckpointDeltaService', () => {
  const r1 = resource('a', 'ünïcødé \\u003c'); // Go-escaped '<' must survive byte for byte
  const r2 = resource('b', 'two');
  const v1 = stateText([r1, r2]);

  void it('stores verbatim bytes exactly, then applies deltas to them', async () => {
    const { make, commits, stored } = setup();
    const service = make();
    await service.saveVerbatim(stack, update, verbatimBody(v1, 1));
    assert.equal(await stored(), v1.toString('utf8'));
    assert.deepEqual(commits.at(-1), { key: `stacks/${stack.id}/checkpoints/${update.version}.json.gz`, resourceCount: 2 });

    const { after: v2, edit } = replaceResource(v1, r2, resource('b', 'zwei ✓'));
    await service.saveDelta(stack, update, deltaBody([edit], sha256Hex(v2), 2));
    assert.equal(await stored(), v2.toString('utf8'));

    // A third resource appended at the end of the resources array.
    const r3 = resource('c', 'drei');
    const at = v2.lastIndexOf(']');
    const v3 = Buffer.concat([v2.subarray(0, at), Buffer.from(`,${r3}`), v2.subarray(at)]);
    const append = { Span: { uri: '', start: { offset: at }, end: { offset: at } }, NewText: `,${r3}` };
    await service.saveDelta(stack, update, deltaBody([append], sha256Hex(v3), 3));
    assert.equal(await stored(), v3.toString('utf8'));
    assert.equal(commits.at(-1)?.resourceCount, 3);
  });

  void it('answers a retried delta that already applied with success, and refuses gaps and wrong hashes', async () => {
    const { make, stored } = setup();
    const service = make();
    await service.saveVerbatim(stack, update, verbatimBody(v1, 1));
    const { after: v2, edit } = replaceResource(v1, r1, resource('a', 'changed'));
    const body = deltaBody([edit], sha256Hex(v2), 2);
    await service.saveDelta(stack, update, body);
    await service.saveDelta(stack, update, body); // the retry: no-op 200
    assert.equal(await stored(), v2.toString('utf8'));

    await rejects(service.saveDelta(stack, update, deltaBody([edit], sha256Hex(v2), 5)), 409, /sequence number 5/);
    await rejects(service.saveDelta(stack, update, deltaBody([], sha256Hex(Buffer.from('nope')), 3)), 409, /checkpointHash/);
    await rejects(service.saveDelta(stack, update, deltaBody([{ Span: { start: { offset: 0 }, end: { offset: 10 ** 9 } }, NewText: '' }], 'a'.repeat(64), 3)), 400);
    assert.equal(await stored(), v2.toString('utf8'), 'a refused delta keeps the old baseline');

    // The CLI's fallback: the same state verbatim, with the same sequence number.
    const { after: v3 } = replaceResource(v2, r2, resource('b', 'three'));
    await service.saveVerbatim(stack, update, verbatimBody(v3, 3));
    assert.equal(await stored(), v3.toString('utf8'));
    const { after: v4, edit: e4 } = replaceResource(v3, resource('b', 'three'), resource('b', 'four'));
    await service.saveDelta(stack, update, deltaBody([e4], sha256Hex(v4), 4));
    assert.equal(await stored(), v4.toString('utf8'));
  });

  void it('continues from the stored checkpoint on another replica or after a restart', async () => {
    const { make, stored } = setup();
    await make().saveVerbatim(stack, update, verbatimBody(v1, 1));
    const { after: v2, edit } = replaceResource(v1, r2, resource('b', 'from replica two'));
    const replica = make(); // empty cache
    await replica.saveDelta(stack, update, deltaBody([edit], sha256Hex(v2), 2));
    assert.equal(await stored(), v2.toString('utf8'));
    // And a retry of that delta reaching yet another replica is still a no-op success.
    await make().saveDelta(stack, update, deltaBody([edit], sha256Hex(v2), 2));
    assert.equal(await stored(), v2.toString('utf8'));
  });

  void it('refuses a delta without a baseline of this update, or when the marker does not match the object', async () => {
    const { make, baselines } = setup();
    const service = make();
    await rejects(service.saveDelta(stack, update, deltaBody([], sha256Hex(v1), 1)), 409, /no checkpoint baseline/);
    await service.saveVerbatim(stack, update, verbatimBody(v1, 1));
    // Someone else's marker (e.g. a crash between the two writes) must not be trusted.
    await baselines.write(stack.id, update.version, { updateId: update.id, sequenceNumber: 1, sha256: 'f'.repeat(64) });
    await rejects(make().saveDelta(stack, update, deltaBody([], sha256Hex(v1), 2)), 409, /no checkpoint baseline/);
  });

  void it('is off unless enabled, and refuses previews and malformed bodies', async () => {
    const { make } = setup({ deltaCheckpoints: false });
    await rejects(make().saveVerbatim(stack, update, verbatimBody(v1, 1)), 404);
    const on = setup().make();
    await rejects(on.saveVerbatim(stack, { ...update, dryRun: true }, verbatimBody(v1, 1)), 400, /preview/);
    await rejects(on.saveVerbatim(stack, update, Buffer.from('{"version":3}')), 400);
    await rejects(on.saveDelta(stack, update, undefined), 400);
  });

  void it('serialises concurrent calls for one update', async () => {
    const { make, stored } = setup();
    const service = make();
    await service.saveVerbatim(stack, update, verbatimBody(v1, 1));
    const { after: v2, edit } = replaceResource(v1, r1, resource('a', 'x'));
    const { after: v3, edit: e3 } = replaceResource(v2, r2, resource('b', 'y'));
    // Sent back to back without waiting: the second must see the first one's result.
    await Promise.all([service.saveDelta(stack, update, deltaBody([edit], sha256Hex(v2), 2)), service.saveDelta(stack, update, deltaBody([e3], sha256Hex(v3), 3))]);
    assert.equal(await stored(), v3.toString('utf8'));
  });
});

void describe('CheckpointBaselineCache', () => {
  const entry = (id: string, bytes: number) => ({ updateId: id, stackId: 's', version: 1, sequenceNumber: 1, text: Buffer.alloc(bytes), hash: '', resourceCount: 0 });

  void it('evicts the least recently used entries past its entry and byte bounds', () => {
    const cache = new CheckpointBaselineCache(2, 100);
    cache.set(entry('a', 10));
    cache.set(entry('b', 10));
    cache.get('a');
    cache.set(entry('c', 10));
    assert.ok(cache.get('a') && cache.get('c') && !cache.get('b'));
    cache.set(entry('d', 95));
    assert.equal(cache.size, 1);
    assert.equal(cache.totalBytes, 95);
    cache.set(entry('huge', 101));
    assert.equal(cache.get('huge'), undefined);
    cache.delete('d');
    assert.equal(cache.totalBytes, 0);
  });
});
