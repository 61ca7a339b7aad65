import { stackApiPath, stackPagePath, type UpdateLogPage, type UpdateTimelineEvent } from './api.js';
import { badge, el, link } from './dom.js';
import type { StackRoute } from './stack-page.js';
import { timelineOf, type TimelineRow } from './update-timeline.js';

type LogLine = UpdateLogPage['lines'][number];

/**
 * One update's log, growing while the update runs and ending with its result, without reloading
 * the page: the console-backend pushes new events as Server-Sent Events (`…/stream`), and the
 * browser's EventSource reconnects by itself, resuming from the last batch it had whole
 * (`Last-Event-ID`). Resolves when the update has ended, the stream failed, or `signal` says the
 * person navigated away (the stream is then closed, so the server stops following).
 */
export function updatePage(main: HTMLElement, route: StackRoute & { updateId: string }, signal: AbortSignal): Promise<void> {
  const status = el('span', { id: 'update-status' });
  const log = el('pre', { class: 'log', 'aria-live': 'polite', 'aria-label': 'Update log' });
  const problem = el('div', {});
  const summary = el('p', { id: 'timeline-summary' });
  const timeline = el('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Resource steps over time' });
  main.replaceChildren(
    el('h1', {}, `Update of ${route.org}/${route.project}/${route.stack}`),
    el('p', {}, link(stackPagePath(route.org, route.project, route.stack), 'Back to the stack'), ' · Status: ', status),
    problem,
    el('h2', {}, 'Timeline'),
    summary,
    timeline,
    el('h2', {}, 'Log'),
    log,
  );
  const steps: UpdateTimelineEvent[] = [];
  let seen = -1;
  const source = new EventSource(`${stackApiPath(route.org, route.project, route.stack)}/updates/${encodeURIComponent(route.updateId)}/stream`);
  return new Promise<void>((resolve) => {
    const finish = () => {
      source.close();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    signal.addEventListener('abort', finish, { once: true });
    source.addEventListener('log', (event) => {
      const { lines } = JSON.parse((event as MessageEvent<string>).data) as { lines: LogLine[] };
      for (const line of lines) {
        // After a reconnect the server may send part of a batch again.
        if (line.sequence <= seen) continue;
        seen = line.sequence;
        log.append(el('span', { class: line.severity ?? line.kind, 'data-sequence': String(line.sequence) }, `${line.text}\n`));
      }
    });
    source.addEventListener('engine-event', (event) => {
      const { events } = JSON.parse((event as MessageEvent<string>).data) as { events: UpdateTimelineEvent[] };
      const known = new Set(steps.map((step) => step.sequence));
      steps.push(...events.filter((step) => !known.has(step.sequence)));
      drawTimeline(timeline, summary, timelineOf(steps));
    });
    source.addEventListener('status', (event) => {
      const { status: now } = JSON.parse((event as MessageEvent<string>).data) as { status: string };
      status.replaceChildren(badge(now));
    });
    source.addEventListener('done', (event) => {
      const { status: result } = JSON.parse((event as MessageEvent<string>).data) as { status: string };
      status.replaceChildren(badge(result));
      main.setAttribute('data-update-ended', result);
      finish();
    });
    source.addEventListener('problem', (event) => {
      const { message } = JSON.parse((event as MessageEvent<string>).data) as { message: string };
      problem.replaceChildren(el('p', { class: 'alert', role: 'alert' }, message));
      finish();
    });
    source.addEventListener('error', () => {
      // A dropped connection is retried by EventSource itself; CLOSED means it was refused (a 4xx before
      // the stream began), and EventSource does not expose the answer's reason.
      if (source.readyState !== EventSource.CLOSED) return;
      problem.replaceChildren(el('p', { class: 'alert', role: 'alert' }, 'The update log could not be followed; reload the page to try again.'));
      finish();
    });
  });
}

function drawTimeline(list: HTMLOListElement, summary: HTMLParagraphElement, rows: ReturnType<typeof timelineOf>): void {
  const counts = Object.entries(rows.counts)
    .map(([op, count]) => `${count} ${op}`)
    .join(', ');
  summary.textContent = `${rows.rows.length} resources (${counts || 'no steps yet'}); ${rows.span} s from first step to last`;
  list.replaceChildren(...rows.rows.map((row) => timelineItem(row, rows.start, rows.span)));
}

function timelineItem(row: TimelineRow, start: number, span: number): HTMLLIElement {
  const name = row.urn.split('::').at(-1) ?? row.urn;
  const took = row.end === undefined ? 'still running' : `${row.end - row.start} s`;
  const bar = el('span', { class: `timeline-bar ${row.failed ? 'failed' : row.op.replace(/[^a-z-]/g, '')}` });
  // Positions through the CSSOM: the console's CSP allows no inline style attributes.
  const whole = Math.max(span, 1);
  bar.style.marginLeft = `${((row.start - start) / whole) * 100}%`;
  bar.style.width = `${Math.max((((row.end ?? start + whole) - row.start) / whole) * 100, 1)}%`;
  return el(
    'li',
    { 'data-urn': row.urn, 'data-op': row.op, 'aria-label': `${row.op} ${row.type} ${name}: ${row.failed ? 'failed, ' : ''}${took}, starting ${row.start - start} s in` },
    el('span', { class: 'timeline-name' }, name),
    ' ',
    badge(row.failed ? 'failed' : row.op),
    el('span', { class: 'timeline-track', 'aria-hidden': 'true' }, bar),
    el('span', { class: 'timeline-took' }, took),
  );
}
