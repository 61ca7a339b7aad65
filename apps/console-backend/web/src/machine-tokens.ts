import { type AccessToken, ConsoleApiError, type CreatedAccessToken, getJson, sendJson } from './api.js';
import { el, field, showProblem, timeAgo } from './dom.js';

export interface MachineTokensOptions {
  /** The console's JSON path of these tokens (`…/orgs/{org}/tokens` or `…/teams/{team}/tokens`). */
  apiPath: string;
  /** Heading, form label and element ids (`org-tokens`, `team-tokens`). */
  title: string;
  idPrefix: string;
  /** Organization tokens may act as an organization admin. */
  offerAdmin: boolean;
}

/**
 * Organization or team access tokens: the list, a form to create one (its value shown once, in
 * this section, and never again) and revoking. Drawn in place after each change, so the value just
 * created stays on screen until the person leaves the page.
 */
export async function machineTokensSection(options: MachineTokensOptions): Promise<HTMLElement> {
  const section = el('section', { 'aria-labelledby': `${options.idPrefix}-heading` });
  const draw = async (created?: CreatedAccessToken & { name: string }): Promise<void> => {
    const problems = el('div', { id: `${options.idPrefix}-problems` });
    let tokens: AccessToken[];
    try {
      ({ tokens } = await getJson<{ tokens: AccessToken[] }>(options.apiPath));
    } catch (error) {
      // Someone who may see the page but not these tokens (the api decides) still gets the rest of it.
      if (!(error instanceof ConsoleApiError) || error.status !== 403) throw error;
      showProblem(problems, error);
      section.replaceChildren(el('h2', { id: `${options.idPrefix}-heading` }, options.title), problems);
      return;
    }
    const name = el('input', { id: `${options.idPrefix}-name`, name: 'name', required: '', maxlength: '40', autocomplete: 'off' });
    const description = el('input', { id: `${options.idPrefix}-description`, name: 'description', maxlength: '255', autocomplete: 'off' });
    const expiry = el(
      'select',
      { id: `${options.idPrefix}-expiry`, name: 'expiresInDays' },
      ...[
        [0, 'Never'],
        [7, '7 days'],
        [30, '30 days'],
        [90, '90 days'],
        [365, '1 year'],
      ].map(([days, text]) => el('option', { value: String(days) }, String(text))),
    );
    const admin = el('input', { id: `${options.idPrefix}-admin`, name: 'admin', type: 'checkbox' });
    const create = el('button', { type: 'submit' }, 'Create token');
    const form = el(
      'form',
      { class: 'filters', 'aria-label': `Create ${options.title.toLowerCase()}` },
      field('Name', name),
      field('Description', description),
      field('Expires', expiry),
      ...(options.offerAdmin ? [el('label', { for: admin.id, class: 'check' }, admin, ' Organization admin')] : []),
      create,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      create.disabled = true;
      const body = { name: name.value.trim(), description: description.value, expiresInDays: Number(expiry.value), ...(options.offerAdmin ? { admin: admin.checked } : {}) };
      sendJson<CreatedAccessToken>(options.apiPath, { body }).then(
        (answer) => draw({ ...answer, name: body.name }),
        (error: unknown) => {
          create.disabled = false;
          showProblem(problems, error);
        },
      );
    });
    const rows = tokens.map((t) => {
      const revoke = el('button', { type: 'button', 'aria-label': `Revoke ${t.name}` }, 'Revoke');
      revoke.addEventListener('click', () => {
        revoke.disabled = true;
        sendJson<void>(`${options.apiPath}/${encodeURIComponent(t.id)}`, { method: 'DELETE' }).then(
          () => draw(),
          (error: unknown) => {
            revoke.disabled = false;
            showProblem(problems, error);
          },
        );
      });
      return el(
        'tr',
        { 'data-token': t.id, 'data-token-name': t.name },
        el('td', {}, t.name),
        el('td', {}, t.description),
        el('td', {}, t.admin ? 'admin' : ''),
        el('td', {}, t.createdBy ?? ''),
        el('td', {}, t.lastUsed ? timeAgo(t.lastUsed) : 'never'),
        el('td', {}, t.expires ? new Date(t.expires * 1000).toLocaleDateString() : 'never'),
        el('td', {}, revoke),
      );
    });
    section.replaceChildren(
      el('h2', { id: `${options.idPrefix}-heading` }, options.title),
      problems,
      ...(created
        ? [el('p', { class: 'once', role: 'status' }, `Copy the token ${created.name} now; it will not be shown again: `, el('code', { id: `${options.idPrefix}-new-value` }, created.tokenValue))]
        : []),
      form,
      rows.length
        ? el(
            'table',
            { class: 'tokens' },
            el('thead', {}, el('tr', {}, ...['Name', 'Description', 'Acts as', 'Created by', 'Last used', 'Expires', ''].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, ...rows),
          )
        : el('p', { class: 'muted' }, 'No tokens.'),
    );
  };
  await draw();
  return section;
}
