import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startSuite, type Suite } from '@stackyard/shared-launcher';
import { tempDir } from '@stackyard/testing';
import { RawApi } from '../robustness/support/raw-api';
import { uploadModeEnv } from '../support/upload-mode';

const ORG = 'stackyard';
const MiB = 1024 * 1024;

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function resetPeakRss(pid: number): void {
  // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0).
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* without it the measured peak includes start-up, which only makes the bound stricter */
  }
}

/** A deployment of `n` resources with `outputBytes` of outputs each, as the engine writes it. */
function bigDeployment(stack: string, n: number, outputBytes: number): Buffer {
  const filler = 'x'.repeat(outputBytes);
  const parts: string[] = [];
  parts.push(`{"manifest":{"time":"2026-11-26T00:00:00Z","magic":"m","version":"v3.274.1"},"resources":[`);
  for (let i = 0; i < n; i++) {
    if (i) parts.push(',');
    parts.push(
      JSON.stringify({
        urn: `urn:pulumi:${stack}::big::pulumi-nodejs:dynamic:Resource::r${i}`,
        custom: true,
        id: `id-${i}`,
        type: 'pulumi-nodejs:dynamic:Resource',
        outputs: { blob: filler, index: i, note: 'ünïcødé \u003c\u0026' },
      }),
    );
  }
  parts.push(']}');
  return Buffer.from(parts.join(''));
}

async function startUpdate(api: RawApi, stack: string): Promise<{ id: string; token: string; version: number }> {
  const base = `/api/stacks/${ORG}/big/${stack}`;
  const { updateID } = await api.ok<{ updateID: string }>('POST', `${base}/update`, { body: { options: { dryRun: false } } });
  const started = await api.ok<{ token: string; version: number }>('POST', `${base}/update/${updateID}`, { body: {} });
  return { id: updateID, token: started.token, version: started.version };
}

void describe('state uploads and retried calls', () => {
  let suite: Suite;
  let api: RawApi;

  before(async () => {
    suite = await startSuite({ dataDir: tempDir('stackyard-state-uploads'), extraEnv: uploadModeEnv() });
    api = new RawApi(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
  });
  after(async () => {
    await suite?.stop();
  });

  void it('accepts a 64 MiB gzip checkpoint without holding several copies, and exports it byte for byte', async () => {
    await api.ok('POST', `/api/stacks/${ORG}/big`, { body: { stackName: 'large' } });
    const deployment = bigDeployment('large', 4_200, 16 * 1024);
    assert.ok(deployment.length > 64 * MiB, `deployment is ${deployment.length} bytes`);
    const body = Buffer.concat([Buffer.from('{"isInvalid":false,"version":3,"deployment":'), deployment, Buffer.from('}')]);
    const update = await startUpdate(api, 'large');
    const apiPid = suite.services.api.pid;
    assert.ok(apiPid, 'the api runs as its own process');
    resetPeakRss(apiPid);
    const before = peakRss(apiPid);
    const res = await api.call('PATCH', `/api/stacks/${ORG}/big/large/update/${update.id}/checkpoint`, {
      authorization: `update-token ${update.token}`,
      body: gzipSync(body),
      headers: { 'content-encoding': 'gzip' },
      timeoutMs: 120_000,
    });
    assert.equal(res.status, 200, res.text);
    const growth = peakRss(apiPid) - before;
    // The body is kept once, inflated straight into one buffer sized by the gzip trailer; on top
    // of it come zlib's short-lived output chunks until the next GC. Chunk list + concatenation
    // (3×) or JSON.parse (5–10×) would exceed this bound.
    assert.ok(growth < 2.5 * deployment.length, `api peak RSS grew by ${Math.round(growth / MiB)} MiB for a ${Math.round(deployment.length / MiB)} MiB state`);
    await api.ok('POST', `/api/stacks/${ORG}/big/large/update/${update.id}/complete`, { authorization: `update-token ${update.token}`, body: { status: 'succeeded' } });

    const plain = await api.call('GET', `/api/stacks/${ORG}/big/large/export`, { headers: { 'accept-encoding': 'identity' }, timeoutMs: 120_000 });
    assert.equal(plain.status, 200);
    const expected = Buffer.concat([Buffer.from('{"version":3,"deployment":'), deployment, Buffer.from('}')]);
    assert.ok(plain.body.equals(expected), 'the stored deployment is byte-identical to the uploaded one');
    const zipped = await api.call('GET', `/api/stacks/${ORG}/big/large/export/${update.version}`, { headers: { 'accept-encoding': 'gzip' }, timeoutMs: 120_000 });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(zipped.body).equals(expected));
    const stack = await api.ok<{ version: number }>('GET', `/api/stacks/${ORG}/big/large`);
    assert.equal(stack.version, update.version);
  });

  void it('refuses a large state upload from an unauthenticated caller before reading it', async () => {
    await api.ok('POST', `/api/stacks/${ORG}/big`, { body: { stackName: 'gate' } });
    const started = Date.now();
    const res = await api.call('POST', `/api/stacks/${ORG}/big/gate/import`, {
      authorization: 'token pul-0000000000000000000000000000000000000000',
      body: Buffer.alloc(32 * MiB, 0x20),
    });
    assert.equal(res.status, 401);
    assert.deepEqual(Object.keys(JSON.parse(res.text) as object).sort(), ['code', 'message']);
    const forged = await api.call('PATCH', `/api/stacks/${ORG}/big/gate/update/00000000-0000-0000-0000-000000000000/checkpoint`, {
      authorization: 'update-token forged',
      body: '{}',
    });
    assert.equal(forged.status, 404);
    assert.ok(Date.now() - started < 30_000);
  });

  void it('treats every call the CLI retries as idempotent', async () => {
    await api.ok('POST', `/api/stacks/${ORG}/big`, { body: { stackName: 'retries' } });
    const base = `/api/stacks/${ORG}/big/retries`;
    const update = await startUpdate(api, 'retries');
    const asLease = { authorization: `update-token ${update.token}` };
    const event = (sequence: number) => ({ sequence, timestamp: 1_795_000_000 + sequence, stdoutEvent: { message: `line ${sequence}`, color: 'raw' } });
    // Up to three batches are in flight and any may be retried: duplicates and reordering.
    for (const batch of [[0, 1, 2], [2, 3], [0, 1, 2], [5, 4]]) {
      await api.ok('POST', `${base}/update/${update.id}/events/batch`, { ...asLease, body: { events: batch.map(event) }, gzip: true });
    }
    const checkpoint = { isInvalid: false, version: 3, deployment: { manifest: { time: '2026-11-26T00:00:00Z', magic: '', version: '' }, resources: [] } };
    for (let i = 0; i < 2; i++) await api.ok('PATCH', `${base}/update/${update.id}/checkpoint`, { ...asLease, body: checkpoint, gzip: true });
    for (let i = 0; i < 2; i++) {
      const renewed = await api.ok<{ token: string }>('POST', `${base}/update/${update.id}/renew_lease`, { ...asLease, body: { token: '', duration: 300 } });
      assert.equal(renewed.token, update.token, 'renewal keeps the token, so requests in flight stay valid');
    }
    for (let i = 0; i < 3; i++) await api.ok('POST', `${base}/update/${update.id}/complete`, { ...asLease, body: { status: 'succeeded' } });
    // Events of a finished update may still be retried.
    await api.ok('POST', `${base}/update/${update.id}/events/batch`, { ...asLease, body: { events: [event(5)] } });

    const events = await api.ok<{ events: Array<{ sequence: number }> }>('GET', `${base}/update/${update.id}/events`);
    assert.deepEqual(events.events.map((e) => e.sequence), [0, 1, 2, 3, 4, 5]);
    const history = await api.ok<{ updates: Array<{ version: number; result: string; updateID?: string }> }>('GET', `${base}/updates`);
    // Each entry names its update (`updateID`, as Pulumi Cloud's history does).
    assert.deepEqual(history.updates.map((u) => [u.version, u.result, u.updateID]), [[update.version, 'succeeded', update.id]]);

    // Cancel, retried: the second answer is a success too, and the lock is released once.
    const second = await startUpdate(api, 'retries');
    for (let i = 0; i < 2; i++) await api.ok('POST', `${base}/update/${second.id}/cancel`, { body: undefined });
    const third = await startUpdate(api, 'retries');
    assert.equal(third.version, second.version + 1);
    const stack = await api.ok<{ activeUpdate: string }>('GET', base);
    assert.equal(stack.activeUpdate, third.id);
  });
});
