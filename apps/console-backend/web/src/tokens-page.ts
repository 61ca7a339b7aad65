import { type AccessToken, getJson, sendJson } from './api.js';
import { el, timeAgo } from './dom.js';

/**
 * The person's access tokens: create one (its value shown once, here, never again) and revoke
 * them. The console's own per-session tokens are not listed.
 */
export async function tokensPage(main: HTMLElement, rerender: () => Promise<void>): Promise<void> {
  const { tokens } = await getJson<{ tokens: AccessToken[] }>('/console/api/tokens');
  const description = el('input', { id: 'token-description', name: 'description', required: '', maxlength: '255', autocomplete: 'off' });
  const created = el('div', { id: 'created-token', role: 'status' });
  const form = el('form', { class: 'filters', 'aria-label': 'Create an access token' }, el('label', { for: 'token-description' }, 'Description', description), el('button', { type: 'submit' }, 'Create token'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sendJson<{ id: string; tokenValue: string }>('/console/api/tokens', { body: { description: description.value } }).then(
      async (answer) => {
        await rerender();
        // Shown once: after the list is drawn again, and gone on the next visit.
        document.getElementById('created-token')?.replaceChildren(
          el('p', { class: 'once' }, 'Copy this token now; it will not be shown again: ', el('code', { id: 'new-token-value' }, answer.tokenValue)),
        );
      },
      (error: unknown) => created.replaceChildren(el('p', { class: 'alert', role: 'alert' }, error instanceof Error ? error.message : String(error))),
    );
  });
  const rows = tokens.map((t) => {
    const revoke = el('button', { type: 'button', 'aria-label': `Revoke ${t.description || t.name}` }, 'Revoke');
    revoke.addEventListener('click', () => {
      revoke.disabled = true;
      sendJson<void>(`/console/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' }).then(rerender, (error: unknown) => {
        revoke.disabled = false;
        created.replaceChildren(el('p', { class: 'alert', role: 'alert' }, error instanceof Error ? error.message : String(error)));
      });
    });
    return el(
      'tr',
      { 'data-token': t.id },
      el('td', {}, t.description || t.name),
      el('td', {}, new Date(t.created).toLocaleDateString()),
      el('td', {}, t.lastUsed ? timeAgo(t.lastUsed) : 'never'),
      el('td', {}, t.expires ? new Date(t.expires * 1000).toLocaleDateString() : 'never'),
      el('td', {}, revoke),
    );
  });
  main.replaceChildren(
    el('h1', {}, 'Access tokens'),
    form,
    created,
    rows.length
      ? el(
          'table',
          { class: 'tokens' },
          el('thead', {}, el('tr', {}, ...['Description', 'Created', 'Last used', 'Expires', ''].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...rows),
        )
      : el('p', { class: 'muted' }, 'No access tokens.'),
  );
}
