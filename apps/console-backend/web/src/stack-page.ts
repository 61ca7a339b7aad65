import { getJson, postJson, stackApiPath, stackPagePath, type StackOverview, type UpdateInfo } from './api.js';
import { chartFigure } from './chart-view.js';
import { barChart, updatesPerDay } from './charts.js';
import { badge, duration, el, link, timeAgo } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { environmentSummary } from './summaries.js';

export interface StackRoute {
  org: string;
  project: string;
  stack: string;
}

export function tabs(route: StackRoute, current: 'overview' | 'updates' | 'resources' | 'settings'): HTMLElement {
  const base = stackPagePath(route.org, route.project, route.stack);
  const tab = (href: string, text: string, here: boolean) => link(href, text, here ? { 'aria-current': 'page' } : {});
  return el(
    'nav',
    { class: 'tabs', 'aria-label': 'Stack' },
    tab(base, 'Overview', current === 'overview'),
    tab(`${base}/updates`, 'Updates', current === 'updates'),
    tab(`${base}/resources`, 'Resources', current === 'resources'),
    tab(`${base}/settings`, 'Settings', current === 'settings'),
  );
}

function changes(update: UpdateInfo): string {
  const entries = Object.entries(update.resourceChanges ?? {}).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([op, n]) => `${n} ${op}`).join(', ') : '—';
}

/** The stack's README: its `readme` output (Markdown), as Pulumi's console shows it; nothing when there is none. */
function readmeSection(outputs: StackOverview['outputs']): HTMLElement[] {
  const readme = outputs.find((o) => o.name === 'readme');
  if (!readme) return [];
  if (readme.secret || typeof readme.value !== 'string') return [el('h2', {}, 'README'), el('p', { class: 'muted' }, 'The readme output is a secret or not text, so it is not shown here.')];
  return [el('section', { class: 'readme', 'aria-labelledby': 'readme-heading' }, el('h2', { id: 'readme-heading' }, 'README'), ...renderMarkdown(readme.value))];
}

function shown(value: unknown): HTMLElement {
  return el('code', {}, typeof value === 'string' ? value : JSON.stringify(value));
}

/** A secret output stays masked until the person asks; the api decides whether they may, and audits it. */
function outputValue(route: StackRoute, output: { name: string; value: unknown; secret: boolean }): HTMLElement {
  if (!output.secret) return shown(output.value);
  const cell = el('span', {}, el('span', { class: 'secret' }, typeof output.value === 'string' ? output.value : JSON.stringify(output.value)), ' ');
  const reveal = el('button', { type: 'button', 'aria-label': `Reveal ${output.name}` }, 'Reveal');
  reveal.addEventListener('click', () => {
    reveal.disabled = true;
    postJson<{ value: unknown }>(`${stackApiPath(route.org, route.project, route.stack)}/outputs/${encodeURIComponent(output.name)}/reveal`).then(
      (revealed) => cell.replaceChildren(shown(revealed.value)),
      (error: unknown) => {
        reveal.disabled = false;
        cell.append(el('span', { class: 'alert', role: 'alert' }, error instanceof Error ? error.message : String(error)));
      },
    );
  });
  cell.append(reveal);
  return cell;
}

/** A stack's overview: latest update, an update in progress, outputs (secrets masked), tags. */
export async function stackPage(main: HTMLElement, route: StackRoute): Promise<void> {
  const overview = await getJson<StackOverview>(stackApiPath(route.org, route.project, route.stack));
  const { stack, latest } = overview;
  const logPath = `${stackPagePath(route.org, route.project, route.stack)}/updates/${encodeURIComponent(stack.activeUpdate)}`;
  const running = !stack.activeUpdate
    ? null
    : stack.currentOperation
      ? el('p', { class: 'note', role: 'status' }, 'An update is running. ', link(logPath, 'Follow its log'))
      : el('p', {}, link(logPath, "The latest update's log"));
  const tags = Object.entries(stack.tags ?? {});
  main.replaceChildren(
    el('h1', {}, `${stack.orgName}/${stack.projectName}/${stack.stackName}`),
    tabs(route, 'overview'),
    ...(running ? [running] : []),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Last update'),
      el('dd', {}, latest ? `${timeAgo(latest.endTime || latest.startTime)} · `: 'never', latest ? badge(latest.result) : null),
      el('dt', {}, 'Resources'),
      el('dd', {}, String(overview.resourceCount)),
      el('dt', {}, 'Version'),
      el('dd', {}, String(stack.version)),
    ),
    el('h2', {}, 'Outputs'),
    overview.outputs.length
      ? el(
          'table',
          { class: 'outputs' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Value'))),
          el('tbody', {}, ...overview.outputs.map((o) => el('tr', {}, el('td', {}, o.name), el('td', {}, outputValue(route, o))))),
        )
      : el('p', { class: 'muted' }, 'No outputs.'),
    el('h2', {}, 'Tags'),
    tags.length ? el('dl', { class: 'facts tags' }, ...tags.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : el('p', { class: 'muted' }, 'No tags.'),
    ...readmeSection(overview.outputs),
  );
}

/** The stack's update history: result, duration, changes, message. */
export async function updatesPage(main: HTMLElement, route: StackRoute): Promise<void> {
  const [history, overview] = await Promise.all([
    getJson<{ updates: UpdateInfo[] }>(`${stackApiPath(route.org, route.project, route.stack)}/updates`),
    getJson<StackOverview>(stackApiPath(route.org, route.project, route.stack)),
  ]);
  // Each history entry names its update; an api without that names only the newest (the stack's activeUpdate).
  const active = overview.stack.activeUpdate;
  const newest = Math.max(0, ...history.updates.map((u) => u.version));
  const idOf = (u: UpdateInfo) => u.updateID ?? (u.version === newest && active ? active : undefined);
  const logLink = (u: UpdateInfo) => {
    const id = idOf(u);
    return id ? link(`${stackPagePath(route.org, route.project, route.stack)}/updates/${encodeURIComponent(id)}`, 'Log', { 'aria-label': `Log of update ${u.version}` }) : null;
  };
  main.replaceChildren(
    el('h1', {}, `${route.org}/${route.project}/${route.stack}`),
    tabs(route, 'updates'),
    ...updateCharts(history.updates),
    history.updates.length
      ? el(
          'table',
          { class: 'updates' },
          el(
            'thead',
            {},
            el('tr', {}, ...['Version', 'Kind', 'Result', 'Started', 'Duration', 'Changes', 'Message', 'Environment', ''].map((h) => el('th', { scope: 'col' }, h))),
          ),
          el(
            'tbody',
            {},
            ...history.updates.map((u) =>
              el(
                'tr',
                { 'data-version': String(u.version), ...(u.updateID ? { 'data-update-id': u.updateID } : {}) },
                el('td', {}, String(u.version)),
                el('td', {}, u.kind),
                el('td', {}, badge(u.result)),
                el('td', {}, timeAgo(u.startTime)),
                el('td', {}, duration(u.startTime, u.endTime)),
                el('td', {}, changes(u)),
                el('td', {}, u.message),
                environmentCell(u),
                el('td', {}, logLink(u)),
              ),
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'No updates yet.'),
  );
}

function environmentCell(update: UpdateInfo): HTMLElement {
  const { text, title } = environmentSummary(update.environment);
  return el('td', { class: 'environment', ...(title ? { title } : {}) }, text);
}

const RESULTS = ['succeeded', 'failed', 'cancelled', 'in-progress', 'not-started'];

/** Updates per day by result, and how long each ended update took (oldest first); nothing without updates. */
function updateCharts(updates: UpdateInfo[]): HTMLElement[] {
  if (updates.length === 0) return [];
  const oldestFirst = [...updates].sort((a, b) => a.version - b.version);
  const perDay = updatesPerDay(oldestFirst);
  const series = RESULTS.filter((result) => perDay.some((day) => day.parts.some((part) => part.series === result)));
  const durations = oldestFirst.filter((u) => u.endTime > 0).map((u) => ({ label: `v${u.version}`, parts: [{ series: 'duration', value: Math.max(0, u.endTime - u.startTime) }] }));
  return [
    chartFigure('chart-updates-per-day', 'Updates per day by result', barChart('Updates per day by result', perDay, series)),
    chartFigure('chart-durations', 'Duration of each update', barChart('Duration of each update, in seconds', durations, ['duration'], 's')),
  ];
}
