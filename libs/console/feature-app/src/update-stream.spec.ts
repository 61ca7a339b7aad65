import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { timelineEventOf } from './update-log';
import { followUpdate, resumeTokenOf, sseComment, sseMessage, type UpdateBatch, UpdateStreamLimiter } from './update-stream';

/** Splits a stream into its messages the way EventSource does: blank-line separated, `field: value` lines. */
function parse(stream: string): Array<{ event?: string; id?: string; data?: unknown; comment?: string }> {
  return stream
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const message: { event?: string; id?: string; data?: unknown; comment?: string } = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(': ')) message.comment = line.slice(2);
        else if (line.startsWith('event: ')) message.event = line.slice(7);
        else if (line.startsWith('id: ')) message.id = line.slice(4);
        else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6));
        else assert.fail(`not an SSE line: ${JSON.stringify(line)}`);
      }
      return message;
    });
}

const line = (sequence: number) => ({ sequence, timestamp: 100 + sequence, kind: 'diagnostic' as const, text: `line ${sequence}` });

void describe('update stream framing', () => {
  void it('frames an event with its id and one-line JSON data, even when the text holds newlines', () => {
    const framed = sseMessage('log', { lines: [{ text: 'two\nlines' }] }, 'tok-1');
    assert.equal(framed, 'event: log\nid: tok-1\ndata: {"lines":[{"text":"two\\nlines"}]}\n\n');
    assert.deepEqual(parse(framed), [{ event: 'log', id: 'tok-1', data: { lines: [{ text: 'two\nlines' }] } }]);
    assert.equal(sseMessage('done', { status: 'failed' }), 'event: done\ndata: {"status":"failed"}\n\n');
    assert.throws(() => sseMessage('bad\nname', {}));
  });

  void it('keeps a comment on one line', () => {
    assert.equal(sseComment('still\nhere'), ': still here\n\n');
  });

  void it('resumes from Last-Event-ID before the query token, and refuses a token that is not one of ours', () => {
    assert.equal(resumeTokenOf('eyJzIjo1fQ==', 'eyJzIjoxfQ=='), 'eyJzIjo1fQ==');
    assert.equal(resumeTokenOf(undefined, 'eyJzIjoxfQ=='), 'eyJzIjoxfQ==');
    assert.equal(resumeTokenOf('', undefined), undefined);
    assert.equal(resumeTokenOf(undefined, ''), undefined);
    assert.throws(
      () => resumeTokenOf('a b\r\nevent: x', undefined),
      (error: unknown) => error instanceof ApiError && error.status === 400,
    );
  });

  void it('turns engine events into timeline steps and ignores the rest', () => {
    assert.deepEqual(timelineEventOf({ sequence: 4, timestamp: 12, resourcePreEvent: { metadata: { op: 'create', urn: 'urn:pulumi:dev::p::t::a', type: 't' } } }), {
      sequence: 4,
      timestamp: 12,
      phase: 'start',
      urn: 'urn:pulumi:dev::p::t::a',
      type: 't',
      op: 'create',
    });
    assert.equal(timelineEventOf({ sequence: 5, timestamp: 12, resOpFailedEvent: { metadata: { op: 'update', urn: 'u', type: 't' } } })?.phase, 'failed');
    assert.equal(timelineEventOf({ sequence: 6, diagnosticEvent: { message: 'x' } }), undefined);
  });
});

void describe('following an update', () => {
  void it('pushes each batch, marks whole batches with the token to resume from, and ends with done', async () => {
    const batches: UpdateBatch[] = [
      { status: 'running', lines: [line(1)], timeline: [], continuationToken: 'a' },
      { status: 'running', lines: [], timeline: [], continuationToken: 'a' },
      { status: 'running', lines: [line(2)], timeline: [{ sequence: 2, timestamp: 102, phase: 'start', urn: 'u', type: 't', op: 'create' }], continuationToken: 'b' },
      { status: 'succeeded', lines: [line(3)], timeline: [], continuationToken: null },
    ];
    const asked: Array<string | undefined> = [];
    let out = '';
    const ended = await followUpdate({
      read: (token) => {
        asked.push(token);
        return Promise.resolve(batches.shift()!);
      },
      write: (chunk) => (out += chunk),
      signal: new AbortController().signal,
      startToken: 'start',
      pollMs: 1,
      heartbeatMs: 60_000,
    });
    assert.equal(ended, 'done');
    assert.deepEqual(asked, ['start', 'a', 'a', 'b']);
    assert.deepEqual(parse(out), [
      { event: 'log', data: { lines: [line(1)] } },
      { event: 'status', id: 'a', data: { status: 'running' } },
      // Nothing new in the second read: nothing sent.
      { event: 'log', data: { lines: [line(2)] } },
      { event: 'engine-event', data: { events: [{ sequence: 2, timestamp: 102, phase: 'start', urn: 'u', type: 't', op: 'create' }] } },
      { event: 'status', id: 'b', data: { status: 'running' } },
      { event: 'log', data: { lines: [line(3)] } },
      { event: 'status', data: { status: 'succeeded' } },
      { event: 'done', data: { status: 'succeeded' } },
    ]);
  });

  void it('reads the pages of an ended update one after another without waiting between them', async () => {
    const pages: UpdateBatch[] = [
      { status: 'succeeded', lines: [line(1)], timeline: [], continuationToken: 'p1' },
      { status: 'succeeded', lines: [line(2)], timeline: [], continuationToken: 'p2' },
      { status: 'succeeded', lines: [line(3)], timeline: [], continuationToken: null },
    ];
    const started = Date.now();
    const ended = await followUpdate({ read: () => Promise.resolve(pages.shift()!), write: () => undefined, signal: new AbortController().signal, pollMs: 60_000, heartbeatMs: 60_000 });
    assert.equal(ended, 'done');
    assert.ok(Date.now() - started < 1000, 'no poll interval between pages of an ended update');
  });

  void it('sends the first batch the caller already read without reading it again', async () => {
    const asked: Array<string | undefined> = [];
    let out = '';
    await followUpdate({
      read: (token) => {
        asked.push(token);
        return Promise.resolve({ status: 'succeeded', lines: [], timeline: [], continuationToken: null });
      },
      write: (chunk) => (out += chunk),
      signal: new AbortController().signal,
      first: { status: 'running', lines: [line(1)], timeline: [], continuationToken: 'x' },
      pollMs: 1,
      heartbeatMs: 60_000,
    });
    assert.deepEqual(asked, ['x']);
    assert.equal(parse(out).filter((m) => m.event === 'log').length, 1);
  });

  void it('stops reading once the browser goes away, mid-pause, and leaves no timer behind', async () => {
    const gone = new AbortController();
    let reads = 0;
    let out = '';
    const following = followUpdate({
      read: () => {
        reads++;
        return Promise.resolve({ status: 'running', lines: [line(reads)], timeline: [], continuationToken: `t${reads}` });
      },
      write: (chunk) => (out += chunk),
      signal: gone.signal,
      pollMs: 60_000,
      heartbeatMs: 5,
    });
    // Long enough for heartbeats while the loop waits out its (long) pause.
    await new Promise((resolve) => setTimeout(resolve, 40));
    gone.abort();
    const started = Date.now();
    assert.equal(await following, 'aborted');
    assert.ok(Date.now() - started < 1000, 'the pause ended at once');
    assert.equal(reads, 1);
    assert.ok(parse(out).some((m) => m.comment === 'heartbeat'), 'heartbeats while idle');
    const written = out.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(reads, 1, 'no read after the browser went away');
    assert.equal(out.length, written, 'no heartbeat after the browser went away');
  });

  void it('stops when the browser goes away while a read is in flight', async () => {
    const gone = new AbortController();
    let reads = 0;
    let out = '';
    const following = followUpdate({
      read: () => {
        reads++;
        gone.abort();
        return Promise.resolve({ status: 'running', lines: [line(1)], timeline: [], continuationToken: 'a' });
      },
      write: (chunk) => (out += chunk),
      signal: gone.signal,
      pollMs: 1,
      heartbeatMs: 60_000,
    });
    assert.equal(await following, 'aborted');
    assert.equal(reads, 1);
    assert.equal(out, '', 'nothing written for a browser that is gone');
  });
});

void describe('update stream limiter', () => {
  void it('caps streams per session, refuses with 429, and frees a slot on release (once)', () => {
    const limiter = new UpdateStreamLimiter(2);
    const first = limiter.acquire('session-a');
    const second = limiter.acquire('session-a');
    const other = limiter.acquire('session-b');
    assert.throws(
      () => limiter.acquire('session-a'),
      (error: unknown) => error instanceof ApiError && error.status === 429 && !error.message.includes('session-a'),
    );
    assert.equal(limiter.openCount(), 3);
    first();
    first();
    assert.equal(limiter.openCount(), 2, 'a second release of the same stream frees nothing more');
    const again = limiter.acquire('session-a');
    for (const release of [second, other, again]) release();
    assert.equal(limiter.openCount(), 0);
  });
});
