/** One line of an update's log as the console shows it. */
export interface UpdateLogLine {
  sequence: number;
  /** Epoch seconds, as the engine stamps events. */
  timestamp: number;
  kind: 'diagnostic' | 'resource' | 'summary' | 'other';
  severity?: string;
  text: string;
}

// The CLI's colour markup (`<{%reset%}>`, `<{%fg 1%}>`) and terminal escapes: neither means anything in a page.
const COLOR_TAGS = /<\{%[^%]*%\}>/g;
const ANSI_ESCAPES = /\u001b\[[0-9;]*[A-Za-z]/g;

function plain(text: unknown): string {
  return typeof text === 'string' ? text.replace(COLOR_TAGS, '').replace(ANSI_ESCAPES, '') : '';
}

function nameOfUrn(urn: unknown): string {
  return typeof urn === 'string' ? (urn.split('::').at(-1) ?? urn) : '';
}

/** A readable line for one engine event (`GET …/update/{id}/events`), or undefined for events not worth a line. */
export function updateLogLine(event: Record<string, unknown>): UpdateLogLine | undefined {
  const sequence = typeof event['sequence'] === 'number' ? event['sequence'] : 0;
  const timestamp = typeof event['timestamp'] === 'number' ? event['timestamp'] : 0;
  const base = { sequence, timestamp };
  const diagnostic = event['diagnosticEvent'] as Record<string, unknown> | undefined;
  if (diagnostic) {
    const text = plain(diagnostic['message']).replace(/\n$/, '');
    if (text === '') return undefined;
    return { ...base, kind: 'diagnostic', severity: typeof diagnostic['severity'] === 'string' ? diagnostic['severity'] : 'info', text };
  }
  const pre = event['resourcePreEvent'] as { metadata?: Record<string, unknown> } | undefined;
  if (pre?.metadata) return { ...base, kind: 'resource', text: `${String(pre.metadata['op'])} ${String(pre.metadata['type'])} ${nameOfUrn(pre.metadata['urn'])}` };
  const outputs = event['resOutputsEvent'] as { metadata?: Record<string, unknown> } | undefined;
  if (outputs?.metadata) return { ...base, kind: 'resource', text: `${String(outputs.metadata['op'])} ${String(outputs.metadata['type'])} ${nameOfUrn(outputs.metadata['urn'])} done` };
  const failed = event['resOpFailedEvent'] as { metadata?: Record<string, unknown> } | undefined;
  if (failed?.metadata) return { ...base, kind: 'resource', severity: 'error', text: `${String(failed.metadata['op'])} ${nameOfUrn(failed.metadata['urn'])} failed` };
  const summary = event['summaryEvent'] as { resourceChanges?: Record<string, number>; durationSeconds?: number } | undefined;
  if (summary) {
    const changes = Object.entries(summary.resourceChanges ?? {})
      .map(([op, count]) => `${count} ${op}`)
      .join(', ');
    return { ...base, kind: 'summary', text: `Resources: ${changes || 'no changes'}; duration ${summary.durationSeconds ?? 0}s` };
  }
  return undefined;
}

/** A resource step's start, end or failure, as the update page's timeline draws it. */
export interface UpdateTimelineEvent {
  sequence: number;
  /** Epoch seconds. */
  timestamp: number;
  phase: 'start' | 'end' | 'failed';
  urn: string;
  type: string;
  /** The step: create, update, delete, same, replace, … */
  op: string;
}

const TIMELINE_PHASES = [
  ['resourcePreEvent', 'start'],
  ['resOutputsEvent', 'end'],
  ['resOpFailedEvent', 'failed'],
] as const;

/** The timeline's view of one engine event, or undefined for events that are not a resource step. */
export function timelineEventOf(event: Record<string, unknown>): UpdateTimelineEvent | undefined {
  for (const [field, phase] of TIMELINE_PHASES) {
    const metadata = (event[field] as { metadata?: Record<string, unknown> } | undefined)?.metadata;
    if (!metadata) continue;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      sequence: typeof event['sequence'] === 'number' ? event['sequence'] : 0,
      timestamp: typeof event['timestamp'] === 'number' ? event['timestamp'] : 0,
      phase,
      urn: text(metadata['urn']),
      type: text(metadata['type']),
      op: text(metadata['op']),
    };
  }
  return undefined;
}
