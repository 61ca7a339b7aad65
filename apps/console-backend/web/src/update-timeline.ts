import type { UpdateTimelineEvent } from './api.js';

/** One resource's step in an update: when it started and, once it did, when it ended. */
export interface TimelineRow {
  urn: string;
  type: string;
  op: string;
  /** Epoch seconds. */
  start: number;
  end?: number;
  failed: boolean;
}

export interface Timeline {
  rows: TimelineRow[];
  /** Resources per step (create, update, …). */
  counts: Record<string, number>;
  /** The first step's start, epoch seconds. */
  start: number;
  /** Seconds from the first step's start to the last one's end (or start). */
  span: number;
}

/** Folds the engine's resource events into one row per resource, in the order they started. */
export function timelineOf(events: readonly UpdateTimelineEvent[]): Timeline {
  const rows = new Map<string, TimelineRow>();
  for (const event of [...events].sort((a, b) => a.sequence - b.sequence)) {
    // Provider registrations are the engine's bookkeeping, not resources the person declared.
    if (event.type.startsWith('pulumi:providers:')) continue;
    const row = rows.get(event.urn);
    if (event.phase === 'start' || row === undefined) {
      rows.set(event.urn, { urn: event.urn, type: event.type, op: event.op, start: event.timestamp, failed: event.phase === 'failed', ...(event.phase === 'start' ? {} : { end: event.timestamp }) });
      continue;
    }
    row.end = event.timestamp;
    if (event.phase === 'failed') row.failed = true;
  }
  const list = [...rows.values()];
  const counts: Record<string, number> = {};
  for (const row of list) counts[row.op] = (counts[row.op] ?? 0) + 1;
  const start = list.length === 0 ? 0 : Math.min(...list.map((row) => row.start));
  const last = list.length === 0 ? 0 : Math.max(...list.map((row) => row.end ?? row.start));
  return { rows: list, counts, start, span: last - start };
}
