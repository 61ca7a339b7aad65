import { getJson, stackPagePath, type StackSummary } from './api.js';
import { groupStacks } from './summaries.js';
import { el, link, timeAgo } from './dom.js';
import { chartFigure } from './chart-view.js';
import { barChart } from './charts.js';

interface Listing {
  stacks: StackSummary[];
  projects: string[];
}

/** All stacks the person may see: search, filter by project and tag, grouped by project or by a tag's value. */
export async function stacksPage(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const query = new URLSearchParams();
  for (const key of ['search', 'project', 'tagName', 'tagValue']) {
    const value = params.get(key);
    if (value) query.set(key, value);
  }
  const listing = await getJson<Listing>(`/console/api/stacks?${query.toString()}`);
  const field = (name: string, label: string, value: string) => el('label', {}, label, el('input', { name, type: 'search', value, autocomplete: 'off' }));
  const project = el('select', { name: 'project' }, el('option', { value: '' }, 'All projects'), ...listing.projects.map((p) => el('option', p === params.get('project') ? { value: p, selected: '' } : { value: p }, p)));
  const tagNames = [...new Set(listing.stacks.flatMap((s) => Object.keys(s.tags ?? {})))].sort();
  const grouping = params.get('groupBy') ?? '';
  const groupBy = el(
    'select',
    { name: 'groupBy' },
    el('option', { value: '' }, 'Project'),
    ...tagNames.map((name) => el('option', grouping === `tag:${name}` ? { value: `tag:${name}`, selected: '' } : { value: `tag:${name}` }, `Tag ${name}`)),
  );
  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter stacks' },
    field('search', 'Search', params.get('search') ?? ''),
    el('label', {}, 'Project', project),
    field('tagName', 'Tag', params.get('tagName') ?? ''),
    field('tagValue', 'Tag value', params.get('tagValue') ?? ''),
    el('label', {}, 'Group by', groupBy),
    el('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (typeof value === 'string' && value !== '') next.set(key, value);
    window.dispatchEvent(new CustomEvent('console:navigate', { detail: `/console/${next.size ? `?${next.toString()}` : ''}` }));
  });
  const groups = groupStacks(listing.stacks, grouping).map(([name, label, stacks]) =>
    el(
      'section',
      { class: 'group', 'aria-label': label },
      el('h2', {}, name),
      el(
        'table',
        { class: 'stacks' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Stack'), el('th', { scope: 'col' }, 'Last update'), el('th', { scope: 'col' }, 'Resources'))),
        el(
          'tbody',
          {},
          ...stacks.map((s) =>
            el(
              'tr',
              { 'data-stack': `${s.orgName}/${s.projectName}/${s.stackName}` },
              el('td', {}, link(stackPagePath(s.orgName, s.projectName, s.stackName), s.stackName)),
              el('td', {}, timeAgo(s.lastUpdate)),
              el('td', {}, String(s.resourceCount ?? 0), el('span', { class: 'phone-only' }, ' resources')),
            ),
          ),
        ),
      ),
    ),
  );
  main.replaceChildren(
    el('h1', {}, 'Stacks'),
    form,
    el('p', { class: 'muted', role: 'status' }, `${listing.stacks.length} ${listing.stacks.length === 1 ? 'stack' : 'stacks'}`),
    ...(listing.stacks.length
      ? [
          chartFigure(
            'chart-resources',
            'Resources per stack',
            barChart(
              'Resources per stack',
              listing.stacks.map((s) => ({ label: `${s.projectName}/${s.stackName}`, parts: [{ series: 'resources', value: s.resourceCount ?? 0 }] })),
              ['resources'],
            ),
          ),
        ]
      : []),
    ...(groups.length ? groups : [el('p', {}, 'No stacks to show.')]),
  );
}

