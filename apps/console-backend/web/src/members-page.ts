import { getJson, type OrgMemberRow, type OrgRoleChoice, orgApiPath, sendJson } from './api.js';
import { el, refresh, showProblem } from './dom.js';

function joinedOn(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? '—' : new Date(time).toLocaleDateString();
}

/** An organization's members: each one's role (changed in place) and removal after a confirmation (organization admins). */
export async function membersPage(main: HTMLElement, org: string): Promise<void> {
  const base = `${orgApiPath(org)}/settings/members`;
  const { members, roles } = await getJson<{ members: OrgMemberRow[]; roles: OrgRoleChoice[] }>(base);
  const problems = el('div', { id: 'members-problems' });
  const confirmation = el('div', { id: 'remove-confirmation' });

  const send = (control: HTMLButtonElement | HTMLSelectElement, path: string, options: { method: string; body?: unknown }, notice: string): void => {
    control.disabled = true;
    sendJson<void>(path, options).then(
      () => refresh(notice),
      (error: unknown) => {
        control.disabled = false;
        showProblem(problems, error);
      },
    );
  };

  const rows = members.map((m) => {
    const memberPath = `${base}/${encodeURIComponent(m.login)}`;
    const known = roles.some((r) => r.id === m.roleId);
    const role = el(
      'select',
      { 'aria-label': `Role of ${m.login}`, 'data-role-of': m.login },
      ...(known ? [] : [el('option', { value: m.roleId, selected: '' }, m.roleName)]),
      ...roles.map((r) => el('option', r.id === m.roleId ? { value: r.id, selected: '' } : { value: r.id }, r.builtIn ? r.name : `${r.name} (custom)`)),
    );
    role.addEventListener('change', () => {
      const chosen = roles.find((r) => r.id === role.value);
      send(role, memberPath, { method: 'PATCH', body: { roleId: role.value } }, `${m.login} is now ${chosen?.name ?? 'in the chosen role'}.`);
    });
    const remove = el('button', { type: 'button', 'aria-label': `Remove ${m.login} from the organization` }, 'Remove');
    remove.addEventListener('click', () => {
      // Removing someone ends their access to every stack of the organization: asked once more, in the page.
      const yes = el('button', { type: 'button', class: 'danger' }, `Yes, remove ${m.login}`);
      const no = el('button', { type: 'button' }, 'Cancel');
      yes.addEventListener('click', () => send(yes, memberPath, { method: 'DELETE' }, `Removed ${m.login} from ${org}.`));
      no.addEventListener('click', () => {
        confirmation.replaceChildren();
        remove.focus();
      });
      confirmation.replaceChildren(
        el('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'remove-question' }, el('p', { id: 'remove-question' }, `Remove ${m.login} from ${org}? They lose access to all of its stacks, and their tokens stop working here.`), yes, ' ', no),
      );
      yes.focus();
    });
    return el(
      'tr',
      { 'data-member': m.login },
      el('td', {}, m.login),
      el('td', {}, m.name),
      el('td', {}, role),
      el('td', {}, joinedOn(m.joined)),
      el('td', {}, remove),
    );
  });

  main.replaceChildren(
    el('h1', {}, `Members of ${org}`),
    el('p', { class: 'muted' }, 'People join by signing in through a directory or SSO, or when an admin adds them with the api. Admins manage the organization; members get what their teams and roles give.'),
    problems,
    confirmation,
    rows.length
      ? el('table', { class: 'members' }, el('thead', {}, el('tr', {}, ...['Login', 'Name', 'Role', 'Joined', ''].map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows))
      : el('p', { class: 'muted' }, 'No members.'),
  );
}
