import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ServiceHandle, Suite } from '@stackyard/shared-launcher';
import { type PulumiCli, tempDir } from '@stackyard/testing';
import { ORG, cliFor, rawApi, request, runnerEnv, startEmbedded, timed, waitFor } from './support/harness';
import type { RawApi, RawResponse } from './support/raw-api';
import { runOperation, startOperation } from './support/robust-runner';

/**
 * Lease expiry (docs/architecture.md "Updates and locks"): the api runs with
 * STACKYARD_LEASE_SECONDS=15. An update whose client vanished keeps the stack only until its lease
 * runs out; then its token is refused (403), the next `pulumi up` takes the stack without
 * `pulumi cancel`, and history records the stale update as failed.
 *
 * The stale updates are started on the 15-second api. The follow-up `pulumi up` goes through a
 * second api process on the same database with the default lease: the CLI assumes 5-minute
 * leases and renews only after 2.5 minutes, so an update slower than the short lease would lose
 * its own lease there, which is not what these tests are about. 15 s rather than less: on a
 * loaded 2-core machine the doomed update took 6 s to reach its first resource, and lost its
 * 3-second lease before it (seen in CI).
 */

const LEASE_SECONDS = 15;

let suite: Suite;
let longLease: ServiceHandle;
let cli: PulumiCli;
let api: RawApi;

before(async () => {
  suite = await timed(`suite start (${LEASE_SECONDS} s lease)`, () => startEmbedded({ leaseSeconds: LEASE_SECONDS }));
  longLease = await suite.startExtraApi({ extraEnv: { STACKYARD_LEASE_SECONDS: '300' } });
  cli = await cliFor(suite);
  api = rawApi(suite);
});
after(async () => {
  await suite?.stop();
});

function assertForbidden(res: RawResponse, what: string, message = /^Forbidden: .*expired/): void {
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.text}`);
  const body = JSON.parse(res.text) as { code: number; message: string };
  assert.equal(body.code, 403, `${what}: code`);
  assert.match(body.message, message, `${what}: message`);
}

interface HistoryEntry {
  result: string;
  version: number;
}

async function history(base: string): Promise<HistoryEntry[]> {
  return (await api.ok<{ updates: HistoryEntry[] }>('GET', `${base}/updates`)).updates;
}

test('an expired lease voids its update token; the next `pulumi up` takes the stack without cancel', { timeout: 180_000 }, async () => {
  const project = 'leaseraw';
  const base = `/api/stacks/${ORG}/${project}/stale`;
  const req = request(cli, project, 'stale', { program: { resources: 1 } });
  await runOperation(runnerEnv(cli, longLease.url), req);
  const seeded = await api.call('GET', `${base}/export`);
  assert.equal(seeded.status, 200);

  // An update started over the raw protocol, whose client then goes silent.
  const { updateID } = await api.ok<{ updateID: string }>('POST', `${base}/update`, { body: { options: { dryRun: false } } });
  const started = await api.ok<{ token: string; tokenExpiration: number; version: number }>('POST', `${base}/update/${updateID}`, { body: {} });
  const auth = `update-token ${started.token}`;
  const checkpoint = JSON.parse(seeded.text) as Record<string, unknown>;
  await api.ok('PATCH', `${base}/update/${updateID}/checkpoint`, { authorization: auth, body: checkpoint, gzip: true });
  // While the lease lives, the stack is taken.
  const { updateID: rival } = await api.ok<{ updateID: string }>('POST', `${base}/update`, { body: { options: { dryRun: false } } });
  const refused = await api.call('POST', `${base}/update/${rival}`, { body: {} });
  assert.equal(refused.status, 409, `a second start while the lease lives: ${refused.text}`);

  // Past the lease (tokenExpiration is rounded down to whole seconds).
  const expiredAt = (started.tokenExpiration + 1) * 1000 + 250;
  await new Promise((r) => setTimeout(r, Math.max(0, expiredAt - Date.now())));

  assertForbidden(await api.call('POST', `${base}/update/${updateID}/renew_lease`, { authorization: auth, body: { duration: 300 } }), 'renew_lease');
  assertForbidden(await api.call('PATCH', `${base}/update/${updateID}/checkpoint`, { authorization: auth, body: checkpoint }), 'checkpoint');
  assertForbidden(
    await api.call('POST', `${base}/update/${updateID}/events/batch`, { authorization: auth, body: { events: [{ sequence: 0, timestamp: 1, stdoutEvent: { message: 'late', color: 'never' } }] } }),
    'events/batch',
  );
  assertForbidden(await api.call('POST', `${base}/update/${updateID}/complete`, { authorization: auth, body: { status: 'succeeded' } }), 'complete');
  assertForbidden(await api.call('POST', `${base}/encrypt`, { authorization: auth, body: { plaintext: 'AAAA' } }), 'encrypt with the dead token', /^Forbidden: /);

  const stack = await api.ok<{ currentOperation?: unknown }>('GET', base);
  assert.equal(stack.currentOperation, undefined, 'a dead lease no longer shows as a running operation');
  assert.equal((await history(base))[0]?.result, 'in-progress', 'until someone takes the stack, the stale update is in progress');

  // The next `pulumi up` proceeds: no `pulumi cancel` was run.
  const next = await timed('up over an expired lease', () => runOperation(runnerEnv(cli, longLease.url), { ...req, program: { resources: 2 } }));
  assert.equal(next.result, 'succeeded');
  assert.equal(next.resourceChanges?.['create'], 1, 'the new update created the second item');

  const entries = await history(base);
  assert.deepEqual(
    entries.map((e) => e.result),
    ['succeeded', 'failed', 'succeeded'],
    'history: the new update succeeded, the stale one is recorded as failed',
  );
  assert.equal(entries[1].version, started.version, 'the failed entry is the stale update');

  // The stale token stays refused after the takeover and cannot touch the new state.
  const current = await api.call('GET', `${base}/export`);
  const late = await api.call('PATCH', `${base}/update/${updateID}/checkpoint`, { authorization: auth, body: checkpoint });
  assert.ok(late.status === 403 || late.status === 409, `a late checkpoint of the stale update is refused: ${late.status} ${late.text}`);
  assert.equal((JSON.parse(late.text) as { code: number }).code, late.status);
  assert.equal((await api.call('GET', `${base}/export`)).text, current.text, 'the late checkpoint changed nothing');
  const lateRenew = await api.call('POST', `${base}/update/${updateID}/renew_lease`, { authorization: auth, body: { duration: 300 } });
  assert.ok(lateRenew.status === 403 || lateRenew.status === 409, `a late renew_lease is refused: ${lateRenew.status}`);
});

test('a SIGKILLed `pulumi up` leaves a lock that expires; the next `pulumi up` proceeds without cancel', { timeout: 180_000 }, async () => {
  const project = 'leasekilled';
  const base = `/api/stacks/${ORG}/${project}/killed`;
  const req = request(cli, project, 'killed', { program: { resources: 1 } });
  await runOperation(runnerEnv(cli, longLease.url), req);

  // This update creates item-1 and blocks in the create of item-2; it is killed (engine, provider
  // and all) once the api has acknowledged item-1 (with journaling, as a journal entry only).
  const gates = tempDir('stackyard-robust-lease');
  const gate = { index: 2, startedFile: join(gates, 'started'), releaseFile: join(gates, 'never'), maxWaitMs: 60_000 };
  const doomed = startOperation(runnerEnv(cli, suite.apiUrl), { ...req, program: { resources: 3, gate } });
  const lockedBy = await waitFor(
    'the doomed update to take the stack and create item-1',
    async () => {
      if (doomed.child.exitCode !== null) throw new Error(`the update ended on its own:\n${doomed.output().slice(-3_000)}`);
      const s = await api.ok<{ currentOperation?: unknown; activeUpdate: string }>('GET', base);
      if (!s.currentOperation) return undefined;
      const state = await api.ok<{ deployment: { resources?: Array<{ urn: string }> } }>('GET', `${base}/export`);
      return state.deployment.resources?.some((r) => r.urn.endsWith('::item-1')) ? s.activeUpdate : undefined;
    },
    60_000,
    20,
  );
  const killed = doomed.killTree();
  assert.ok(killed.length >= 2, 'the runner and the pulumi engine were killed');
  const result = await doomed.result;
  assert.equal(result.ok, false);

  // The lock outlives the client only as long as its lease.
  await waitFor(
    'the lease to expire',
    async () => ((await api.ok<{ currentOperation?: unknown }>('GET', base)).currentOperation === undefined ? true : undefined),
    (LEASE_SECONDS + 5) * 1000,
    100,
  );

  const next = await timed('up after a killed CLI', () => runOperation(runnerEnv(cli, longLease.url), { ...req, program: { resources: 3 } }));
  assert.equal(next.result, 'succeeded');
  // What the killed update had acknowledged became the state the next update started from.
  assert.equal(next.resourceChanges?.['create'], 1, `only item-2 is created: ${JSON.stringify(next.resourceChanges)}`);

  const entries = await history(base);
  assert.deepEqual(entries.map((e) => e.result), ['succeeded', 'failed', 'succeeded'], 'history: the killed update is recorded as failed');
  const latest = await api.ok<{ activeUpdate: string }>('GET', base);
  assert.notEqual(latest.activeUpdate, lockedBy, 'the stack moved on from the killed update');
});
