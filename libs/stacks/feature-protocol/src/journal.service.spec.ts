import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { DiskObjectStore } from '@stackyard/shared-storage';
import { CheckpointStore, InMemoryObjectKeys, JournalStore, StackObjects, type StackEntity, type UpdateEntity } from '@stackyard/stacks-data-access';
import { JournalEntryKind } from '@stackyard/stacks-domain';
import { tempDir } from '@stackyard/testing';
import { cliVersionOf, JournalService } from './journal.service';
import { JournalReplayerCache } from './journal-replayer.cache';
import type { ProtocolSettings } from './protocol-settings';
import type { UpdateLifecycleService } from './update-lifecycle.service';

Logger.overrideLogger(false);

const stack = { id: 'stack-1' } as StackEntity;
const update = { id: 'update-1', stackId: 'stack-1', version: 4, dryRun: false, status: 'running' } as UpdateEntity;
/** The stack as read while `update` holds its lock (the lock took version 4). */
const lockedStack = { id: 'stack-1', activeUpdateId: update.id, version: update.version } as StackEntity;
const UA = 'pulumi-cli/1 (v3.270.0; linux; cmd=pulumi-up)';
const urn = (name: string) => `urn:pulumi:dev::p::e2e:Thing::${name}`;
const res = (name: string, note = 'x') => ({ urn: urn(name), custom: true, type: 'e2e:Thing', id: `id-${name}`, outputs: { note } });

/** Begin + success of creating `name` as operation `op`. */
const create = (seq: number, op: number, name: string) => [
  { version: 1, kind: JournalEntryKind.Begin, sequenceID: seq, operationID: op, operation: { resource: res(name), type: 'creating' } },
  { version: 1, kind: JournalEntryKind.Success, sequenceID: seq + 1, operationID: op, state: res(name) },
];

async function setup(settings: Partial<ProtocolSettings> = {}, base?: unknown) {
  const objects = new StackObjects(new DiskObjectStore(tempDir('journal-service')), new InMemoryObjectKeys(), { seal: true });
  const checkpoints = new CheckpointStore(objects);
  const journals = new JournalStore(objects);
  let baseObjectKey: string | null = null;
  if (base !== undefined) {
    baseObjectKey = checkpoints.key(stack.id, update.version - 1);
    await checkpoints.write(stack.id, baseObjectKey, [Buffer.from(JSON.stringify(base))]);
  }
  await journals.writeBase(stack.id, update.version, { updateId: update.id, baseObjectKey });
  const commits: Array<{ key: string; resourceCount: number }> = [];
  const lifecycle = {
    onTakeover: () => undefined,
    commitCheckpoint: (_s: StackEntity, _u: UpdateEntity, key: string, resourceCount: number) => {
      commits.push({ key, resourceCount });
      return Promise.resolve();
    },
  } as unknown as UpdateLifecycleService;
  const make = () => new JournalService(lifecycle, checkpoints, journals, { leaseSeconds: 300, principalCacheSeconds: 5, journaling: true, ...settings });
  const stored = async () => JSON.parse((await checkpoints.readText(stack.id, checkpoints.key(stack.id, update.version)))!.toString('utf8')) as {
    version: number;
    deployment: { manifest: { version: string; magic: string }; resources?: Array<{ urn: string; outputs?: unknown }>; pending_operations?: unknown[] };
  };
  return { make, commits, stored, journals };
}

type StoredState = Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['stored']>>;

async function liveState(service: JournalService): Promise<StoredState | undefined> {
  const live = await service.readLive(lockedStack);
  return live && (JSON.parse(live.toString('utf8')) as StoredState);
}

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.status, status, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

void describe('JournalService', () => {
  void it('stores each batch without writing the state; reads replay it live; finish stores it once', async () => {
    const base = { version: 3, deployment: { manifest: { time: 't', magic: 'm', version: 'v' }, metadata: {}, resources: [res('old')] } };
    const { make, commits, stored, journals } = await setup({}, base);
    const service = make();
    await service.receive(stack, update, { entries: [create(1, 1, 'a')[0]] }, UA);
    let live = await liveState(service);
    assert.deepEqual(live?.deployment.resources?.map((r) => r.urn), [urn('old')]);
    assert.equal(live?.deployment.pending_operations?.length, 1, 'a begun create is a pending operation');
    await service.receive(stack, update, { entries: [create(1, 1, 'a')[1]] }, UA);
    live = await liveState(service);
    assert.deepEqual(live?.deployment.resources?.map((r) => r.urn), [urn('a'), urn('old')]);
    assert.equal(live?.deployment.pending_operations, undefined);
    assert.equal(live?.deployment.manifest.version, 'v3.270.0');
    assert.equal(commits.length, 0, 'a batch costs its entries, not a state write');
    assert.equal((await journals.readBatch(stack.id, update.version, 2))?.firstSeq, 2);
    assert.equal(await journals.readBatch(stack.id, update.version, 3), undefined);

    await service.finish(stack, update, UA);
    assert.deepEqual(commits, [{ key: `stacks/${stack.id}/checkpoints/${update.version}.json.gz`, resourceCount: 2 }]);
    const final = await stored();
    assert.deepEqual(final.deployment.resources, live?.deployment.resources, 'the stored state is what was read live');
    assert.equal(final.deployment.manifest.version, 'v3.270.0');
    assert.equal(await service.readLive(lockedStack), undefined, 'the stored head is current again');
    assert.equal(await service.readLive({ ...lockedStack, activeUpdateId: null }), undefined, 'nothing runs');
  });

  void it('a retried batch is a success and stores nothing new; another instance continues from the store', async () => {
    const { make, stored, journals } = await setup();
    const one = make();
    await one.receive(stack, update, { entries: create(1, 1, 'a') }, UA);
    await one.receive(stack, update, { entries: create(1, 1, 'a') }, UA);
    assert.equal(await journals.readBatch(stack.id, update.version, 2), undefined);
    // A second replica (or a restart) has no replayer: it rebuilds from the base and the batches.
    const two = make();
    await two.receive(stack, update, { entries: create(3, 2, 'b') }, UA);
    assert.deepEqual((await liveState(make()))?.deployment.resources?.map((r) => r.urn), [urn('a'), urn('b')], 'a third replica reads it live');
    // The first replica catches up with batch 2 before applying its next batch.
    await one.receive(stack, update, { entries: create(5, 3, 'c') }, UA);
    await one.finish(stack, update, UA);
    assert.deepEqual((await stored()).deployment.resources?.map((r) => r.urn), [urn('a'), urn('b'), urn('c')]);
  });

  void it('out-of-order batches give the state of a replay in sequence order', async () => {
    const { make, stored } = await setup();
    const service = make();
    const [b1, s1] = create(1, 1, 'a');
    const [b2, s2] = create(3, 2, 'b');
    await service.receive(stack, update, { entries: [b2, s2] }, UA);
    await service.receive(stack, update, { entries: [s1, b1] }, UA);
    await service.finish(stack, update, UA);
    assert.deepEqual((await stored()).deployment.resources?.map((r) => r.urn), [urn('a'), urn('b')]);
  });

  void it('refuses bad batches with 4xx and keeps the state', async () => {
    const { make, stored, journals } = await setup();
    const service = make();
    await service.receive(stack, update, { entries: create(1, 1, 'a') }, UA);
    await rejects(service.receive(stack, update, { entries: [{ kind: 1 }] }, UA), 400, /sequenceID/);
    await rejects(service.receive(stack, update, { nope: true }, UA), 400, /entries/);
    const changed = { ...create(1, 1, 'a')[1], state: res('a', 'other') };
    await rejects(service.receive(stack, update, { entries: [changed] }, UA), 409, /different content/);
    assert.equal(await journals.readBatch(stack.id, update.version, 2), undefined, 'nothing of a refused batch is stored');
    // Unreplayable (names a resource this update never produced): 409, nothing stored.
    const empty = await setup();
    await rejects(empty.make().receive(stack, update, { entries: [{ version: 1, kind: JournalEntryKind.Success, sequenceID: 1, operationID: 9, deleteNew: 42 }] }, UA), 409);
    assert.equal(await empty.journals.readBatch(stack.id, update.version, 1), undefined);
    await service.finish(stack, update, UA);
    assert.deepEqual((await stored()).deployment.resources?.map((r) => r.urn), [urn('a')]);
  });

  void it('settle stores what an unfinished update acknowledged, for the lock holder only', async () => {
    const { make, commits, stored, journals } = await setup();
    await journals.writeBase(stack.id, update.version, { updateId: update.id, baseObjectKey: null, cliVersion: 'v3.999.0' });
    await make().receive(stack, update, { entries: [...create(1, 1, 'a'), create(3, 2, 'b')[0]] }, undefined);
    // A replica that never saw the update (e.g. after the CLI was killed and the api restarted).
    const other = make();
    await other.settle({ ...lockedStack, activeUpdateId: 'someone-else' }, update.id);
    await other.settle(lockedStack, 'someone-else');
    assert.equal(commits.length, 0, 'not the lock holder: nothing to do');
    await other.settle(lockedStack, update.id);
    assert.equal(commits.length, 1);
    const state = await stored();
    assert.deepEqual(state.deployment.resources?.map((r) => r.urn), [urn('a')]);
    assert.equal(state.deployment.pending_operations?.length, 1, 'the unfinished create stays a pending operation');
    assert.equal(state.deployment.manifest.version, 'v3.999.0', 'the CLI version recorded at start');
    await other.settle(lockedStack, update.id);
    assert.equal(commits.length, 1, 'settled once');
  });

  void it('is a 404 when disabled, a 400 for previews, a 409 for updates not started with journaling', async () => {
    const { make } = await setup({ journaling: false });
    await rejects(make().receive(stack, update, { entries: create(1, 1, 'a') }, UA), 404);
    const on = (await setup()).make();
    await rejects(on.receive(stack, { ...update, dryRun: true }, { entries: create(1, 1, 'a') }, UA), 400);
    await rejects(on.receive(stack, { ...update, id: 'other' }, { entries: create(1, 1, 'a') }, UA), 409, /not started with journaling/);
  });

  void it('finish stores the final snapshot only when the stored one may be behind', async () => {
    const { make, commits, stored } = await setup();
    const one = make();
    await one.receive(stack, update, { entries: create(1, 1, 'a') }, UA);
    await one.finish(stack, update, UA);
    await one.finish(stack, update, UA);
    assert.equal(commits.length, 1, 'a retried complete has nothing left to store');
    const two = make();
    await two.finish(stack, update, UA);
    assert.equal(commits.length, 2, 'a replica without the replayer rebuilds and commits');
    assert.deepEqual((await stored()).deployment.resources?.map((r) => r.urn), [urn('a')]);
    await make().finish(stack, { ...update, id: 'plain' }, UA);
    assert.equal(commits.length, 2, 'not a journaling update');
  });

  void it('reads the CLI version from the User-Agent', () => {
    assert.equal(cliVersionOf(UA), 'v3.270.0');
    assert.equal(cliVersionOf('pulumi-cli/1 (; linux)'), '');
    assert.equal(cliVersionOf(undefined), '');
  });
});

void describe('JournalReplayerCache', () => {
  void it('evicts the least recently used update beyond its bounds', () => {
    const cache = new JournalReplayerCache(2, 1_000);
    const entry = (id: string) => ({ updateId: id, stackId: 's', version: 1, replayer: { entryCount: 1 } as never, batches: 0, dirty: false, problemsLogged: 0 });
    cache.set(entry('a'));
    cache.set(entry('b'));
    cache.get('a');
    cache.set(entry('c'));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('a'));
  });
});
