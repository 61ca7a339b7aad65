import { type AuditLogEvent, getJson, orgApiPath, orgPagePath } from './api.js';
import { el, field, link } from './dom.js';

/** Events an administrator most often looks for (the field takes any event name). */
const KNOWN_EVENTS = [
  'stack_created',
  'stack_deleted',
  'stack_updated',
  'stack_secret_decrypted',
  'stack_tag_added',
  'stack_tag_removed',
  'team_created',
  'team_deleted',
  'team_member_added',
  'team_member_removed',
  'team_stack_permission_added',
  'team_stack_permission_changed',
  'team_stack_permission_removed',
  'member_role_changed',
  'request_denied',
];

/** The organization's audit log: newest first, filtered by event and person, paged, exportable. */
export async function auditPage(main: HTMLElement, org: string, params: URLSearchParams): Promise<void> {
  const filter = new URLSearchParams();
  for (const key of ['event', 'user']) {
    const value = params.get(key);
    if (value) filter.set(key, value);
  }
  const query = new URLSearchParams(filter);
  const continuationToken = params.get('continuationToken');
  if (continuationToken) query.set('continuationToken', continuationToken);
  const page = await getJson<{ events: AuditLogEvent[]; continuationToken?: string }>(`${orgApiPath(org)}/auditlogs?${query.toString()}`);

  const event = el('input', { id: 'audit-event', name: 'event', type: 'search', list: 'audit-event-names', value: params.get('event') ?? '', autocomplete: 'off' });
  const user = el('input', { id: 'audit-user', name: 'user', type: 'search', value: params.get('user') ?? '', autocomplete: 'off' });
  const form = el(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    field('Event', event),
    el('datalist', { id: 'audit-event-names' }, ...KNOWN_EVENTS.map((name) => el('option', { value: name }))),
    field('User', user),
    el('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (submitted) => {
    submitted.preventDefault();
    const next = new URLSearchParams();
    if (event.value.trim()) next.set('event', event.value.trim());
    if (user.value.trim()) next.set('user', user.value.trim());
    window.dispatchEvent(new CustomEvent('console:navigate', { detail: `${orgPagePath(org)}/audit-log${next.size ? `?${next.toString()}` : ''}` }));
  });
  const exportLink = (format: string, text: string) => {
    const exportQuery = new URLSearchParams(filter);
    exportQuery.set('format', format);
    // A plain link: the browser downloads the file from the console's own origin.
    return el('a', { href: `${orgApiPath(org)}/auditlogs/export?${exportQuery.toString()}`, download: '', class: 'export' }, text);
  };
  const older = new URLSearchParams(filter);
  if (page.continuationToken) older.set('continuationToken', page.continuationToken);
  main.replaceChildren(
    el('h1', {}, `Audit log of ${org}`),
    form,
    el('p', { class: 'exports' }, 'Download (gzip): ', exportLink('csv', 'Export CSV'), ' ', exportLink('cef', 'Export CEF')),
    el('p', { class: 'muted', role: 'status' }, `${page.events.length} ${page.events.length === 1 ? 'event' : 'events'} on this page`),
    page.events.length
      ? el(
          'table',
          { class: 'audit' },
          el('thead', {}, el('tr', {}, ...['Time', 'Event', 'User', 'Description', 'Source'].map((h) => el('th', { scope: 'col' }, h)))),
          el(
            'tbody',
            {},
            ...page.events.map((e) =>
              el(
                'tr',
                { 'data-event': e.event, ...(e.authFailure ? { class: 'refused' } : {}) },
                el('td', {}, el('time', { datetime: new Date(e.timestamp * 1000).toISOString() }, new Date(e.timestamp * 1000).toLocaleString())),
                el('td', {}, e.event),
                el('td', {}, e.user.githubLogin || e.actorName),
                el('td', {}, e.description),
                el('td', {}, e.sourceIP),
              ),
            ),
          ),
        )
      : el('p', {}, 'No events match.'),
    ...(page.continuationToken ? [el('p', {}, link(`${orgPagePath(org)}/audit-log?${older.toString()}`, 'Older events'))] : []),
  );
}
