import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import { AuditRecorder, type AuditRecorderSettings } from './audit-recorder';

const event = (n: number): AuditEventInput => ({
  timestamp: n,
  organization: 'acme',
  event: 'stack_created',
  description: `event ${n}`,
  sourceIp: '127.0.0.1',
  user: 'alice',
  actorName: 'alice',
  actorUrn: 'urn:stackyard:user:alice',
});

/** Identity's ingest route reduced to "store the batch, or fail while `down`". */
function setup(settings: Partial<AuditRecorderSettings>) {
  const stored: AuditEventInput[][] = [];
  const identity = {
    down: false,
    calls: 0,
    post(path: string, body: { events: AuditEventInput[] }) {
      identity.calls += 1;
      assert.equal(path, '/internal/v1/audit/events');
      if (identity.down) return Promise.reject(new Error('identity service unreachable (ECONNREFUSED)'));
      stored.push(body.events);
      return Promise.resolve({ lastSequence: 0 });
    },
  };
  const recorder = new AuditRecorder(identity as unknown as InternalClient, { flushIntervalMs: 20, batchSize: 3, maxQueued: 5, retryMinMs: 10, retryMaxMs: 40, ...settings });
  // Keep test output quiet: the log lines are not what is tested here.
  (recorder as unknown as { log: { log(): void } }).log = { log: () => undefined };
  (recorder as unknown as { warn: Record<string, () => void> }).warn = { log: () => undefined, warn: () => undefined, error: () => undefined };
  return { recorder, identity, stored };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

void describe(AuditRecorder.name, () => {
  void it('sends a full batch at once and the rest after the flush interval, in order', async () => {
    const { recorder, stored } = setup({ flushIntervalMs: 50 });
    for (let n = 1; n <= 4; n++) recorder.recordEvent(event(n));
    await sleep(5);
    assert.deepEqual(stored.map((b) => b.map((e) => e.timestamp)), [[1, 2, 3]], 'the batch size triggers a send');
    await sleep(100);
    assert.deepEqual(stored.map((b) => b.map((e) => e.timestamp)), [[1, 2, 3], [4]]);
  });

  void it('flush() resolves once everything recorded so far is stored', async () => {
    const { recorder, stored } = setup({ flushIntervalMs: 60_000 });
    recorder.recordEvent(event(1));
    recorder.recordEvent(event(2));
    await recorder.flush();
    assert.deepEqual(stored.flat().map((e) => e.timestamp), [1, 2]);
    await recorder.flush();
  });

  void it('keeps events while identity is down, retries with backoff, and drops only the oldest beyond the bound', async () => {
    const { recorder, identity, stored } = setup({});
    identity.down = true;
    for (let n = 1; n <= 7; n++) recorder.recordEvent(event(n));
    await sleep(60);
    assert.ok(identity.calls >= 2, 'it retried');
    assert.equal(recorder.droppedCount, 2);
    assert.equal(recorder.queuedCount, 5);
    await assert.rejects(recorder.flush(), /could not be reached/);
    identity.down = false;
    await sleep(150);
    assert.deepEqual(stored.flat().map((e) => e.timestamp), [3, 4, 5, 6, 7], 'the survivors, in order');
    assert.equal(recorder.queuedCount, 0);
  });

  void it('sends what is left on shutdown', async () => {
    const { recorder, stored } = setup({ flushIntervalMs: 60_000 });
    recorder.recordEvent(event(1));
    await recorder.beforeApplicationShutdown();
    assert.deepEqual(stored.flat().map((e) => e.timestamp), [1]);
  });
});
