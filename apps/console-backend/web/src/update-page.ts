import { getJson, stackApiPath, stackPagePath, type UpdateLogPage } from './api.js';
import { badge, el, link } from './dom.js';
import type { StackRoute } from './stack-page.js';

const POLL_MS = 1000;
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * One update's log, growing while the update runs (polled once a second) and ending with its
 * result, without reloading the page. `signal` stops polling when the person navigates away.
 */
export async function updatePage(main: HTMLElement, route: StackRoute & { updateId: string }, signal: AbortSignal): Promise<void> {
  const status = el('span', { id: 'update-status' });
  const log = el('pre', { class: 'log', 'aria-live': 'polite', 'aria-label': 'Update log' });
  main.replaceChildren(
    el('h1', {}, `Update of ${route.org}/${route.project}/${route.stack}`),
    el('p', {}, link(stackPagePath(route.org, route.project, route.stack), 'Back to the stack'), ' · Status: ', status),
    log,
  );
  let token: string | null = '';
  let seen = -1;
  while (!signal.aborted) {
    const query = token ? `?continuationToken=${encodeURIComponent(token)}` : '';
    const page: UpdateLogPage = await getJson<UpdateLogPage>(`${stackApiPath(route.org, route.project, route.stack)}/updates/${encodeURIComponent(route.updateId)}/log${query}`);
    if (signal.aborted) return;
    for (const line of page.lines) {
      if (line.sequence <= seen) continue;
      seen = line.sequence;
      log.append(el('span', { class: line.severity ?? line.kind, 'data-sequence': String(line.sequence) }, `${line.text}\n`));
    }
    status.replaceChildren(badge(page.status));
    token = page.continuationToken;
    if (token === null && ENDED.has(page.status)) {
      main.setAttribute('data-update-ended', page.status);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
