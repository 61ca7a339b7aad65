import { createHash } from 'node:crypto';
import { ApiError } from '@stackyard/shared-errors';
import type { UpdateResults } from '@stackyard/shared-contracts';
import type { UpdateLogLine, UpdateTimelineEvent } from './update-log';

/** Update pages one browser session may stream at once (one per tab showing an update). */
export const MAX_UPDATE_STREAMS_PER_SESSION = 4;

/** One read of an update's events, as the stream pushes it on. */
export interface UpdateBatch {
  status: UpdateResults['status'];
  lines: UpdateLogLine[];
  timeline: UpdateTimelineEvent[];
  /** Where to read on; null once the update has ended and everything was read. */
  continuationToken: string | null;
}

const STILL_RUNNING = new Set<string>(['running', 'requested', 'not started']);

/** A continuation token as the api hands them out; anything else is not ours to pass on. */
const CONTINUATION_TOKEN = /^[A-Za-z0-9_=.-]{0,512}$/;

/**
 * One Server-Sent Events message. `data` is JSON (one line, so no `data:` continuation lines are
 * needed); `id` becomes the browser's `Last-Event-ID` when it reconnects.
 */
export function sseMessage(event: string, data: unknown, id?: string): string {
  if (!/^[A-Za-z-]{1,40}$/.test(event)) throw new Error(`not an event name: ${event}`);
  const idLine = id === undefined ? '' : `id: ${id.replace(/[\r\n]/g, '')}\n`;
  return `event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by `EventSource`, but keeps proxies and idle timers from closing the connection. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

/**
 * Where a stream starts: the browser's `Last-Event-ID` after a reconnect wins over the
 * `continuationToken` it first asked with; neither means from the beginning.
 */
export function resumeTokenOf(lastEventId: string | undefined, queryToken: string | undefined): string | undefined {
  const token = lastEventId !== undefined && lastEventId !== '' ? lastEventId : queryToken;
  if (token === undefined || token === '') return undefined;
  if (!CONTINUATION_TOKEN.test(token)) throw ApiError.badRequest('invalid continuationToken or Last-Event-ID');
  return token;
}

export interface FollowUpdateOptions {
  read: (continuationToken: string | undefined) => Promise<UpdateBatch>;
  write: (chunk: string) => void;
  /** Aborted when the browser goes away: the loop then stops reading. */
  signal: AbortSignal;
  startToken?: string;
  /** The first batch, when the caller already read it (to answer a bad request with a plain 4xx). */
  first?: UpdateBatch;
  pollMs: number;
  heartbeatMs: number;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows one update's events until it ends or the browser goes away, pushing each new batch:
 * `log` (readable lines), `engine-event` (resource steps for the timeline), `status` (carrying the
 * continuation token as its id, so a reconnect resumes after the last whole batch), and finally `done`.
 * Returns how it ended.
 */
export async function followUpdate(options: FollowUpdateOptions): Promise<'done' | 'aborted'> {
  const { signal } = options;
  const heartbeat = setInterval(() => {
    if (!signal.aborted) options.write(sseComment('heartbeat'));
  }, options.heartbeatMs);
  try {
    let token = options.startToken;
    let lastStatus: string | undefined;
    let batch = options.first;
    for (;;) {
      if (signal.aborted) return 'aborted';
      batch ??= await options.read(token);
      if (signal.aborted) return 'aborted';
      const changed = batch.lines.length > 0 || batch.timeline.length > 0 || batch.status !== lastStatus;
      if (batch.lines.length > 0) options.write(sseMessage('log', { lines: batch.lines }));
      if (batch.timeline.length > 0) options.write(sseMessage('engine-event', { events: batch.timeline }));
      if (batch.continuationToken === null) {
        options.write(sseMessage('status', { status: batch.status }));
        options.write(sseMessage('done', { status: batch.status }));
        return 'done';
      }
      if (changed) options.write(sseMessage('status', { status: batch.status }, batch.continuationToken));
      lastStatus = batch.status;
      token = batch.continuationToken || undefined;
      // An ended update with more pages to read is read on at once; a running one is waited for.
      const readOnAtOnce = changed && !STILL_RUNNING.has(batch.status);
      batch = undefined;
      if (!readOnAtOnce) await pause(options.pollMs, signal);
    }
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * A cap on the update streams one browser session holds open at once: each is a long-lived
 * connection and a polling loop against the api, so a page opened many times must not multiply them.
 */
export class UpdateStreamLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerSession: number) {}

  /** Takes a slot for the session (its cookie, kept here only as a hash) or refuses with 429; returns the release. */
  acquire(sessionToken: string): () => void {
    const key = createHash('sha256').update(sessionToken).digest('hex');
    const count = this.open.get(key) ?? 0;
    if (count >= this.maxPerSession) throw ApiError.tooManyRequests(`at most ${this.maxPerSession} update streams may be open at once; close another page of this console first`);
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Streams open now, over every session (for tests and the leak check). */
  openCount(): number {
    let total = 0;
    for (const count of this.open.values()) total += count;
    return total;
  }
}
