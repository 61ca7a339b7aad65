import { getJson, type OrgRoleRow, type OrgScopeGroup, orgApiPath, PERMISSION_NAMES, sendJson } from './api.js';
import { el, field, refresh, showProblem } from './dom.js';

function ruleText(rule: OrgRoleRow['stackRules'][number]): string {
  const target = rule.target.kind === 'stack' ? `stack ${rule.target.project ?? ''}/${rule.target.stack ?? ''}` : rule.target.kind === 'tag' ? `stacks tagged ${rule.target.key ?? ''}=${rule.target.value ?? ''}` : 'every stack';
  return `${PERMISSION_NAMES[rule.permission] ?? rule.permission} on ${target}`;
}

/** What a role permits, as a list a person can read. */
function permits(role: OrgRoleRow): HTMLElement {
  const items = [...role.scopes, ...role.stackRules.map(ruleText)];
  return items.length ? el('ul', { class: 'scopes' }, ...items.map((s) => el('li', {}, s))) : el('span', { class: 'muted' }, 'nothing');
}

/** The built-in roles and the organization's custom roles; create a custom role from the api's permissions, delete one. */
export async function rolesPage(main: HTMLElement, org: string): Promise<void> {
  const base = `${orgApiPath(org)}/settings/roles`;
  const { roles, scopes } = await getJson<{ roles: OrgRoleRow[]; scopes: OrgScopeGroup[] }>(base);
  const problems = el('div', { id: 'roles-problems' });

  const rows = roles.map((r) => {
    const actions: HTMLElement[] = [];
    if (!r.builtIn) {
      const remove = el('button', { type: 'button', 'aria-label': `Delete the role ${r.name}` }, 'Delete');
      remove.addEventListener('click', () => {
        remove.disabled = true;
        sendJson<void>(`${base}/${encodeURIComponent(r.id)}`, { method: 'DELETE' }).then(
          () => refresh(`Deleted the role ${r.name}.`),
          (error: unknown) => {
            remove.disabled = false;
            showProblem(problems, error);
          },
        );
      });
      actions.push(remove);
    }
    return el('tr', { 'data-role': r.name }, el('td', {}, r.name), el('td', {}, r.builtIn ? 'built-in' : 'custom'), el('td', {}, r.description), el('td', {}, permits(r)), el('td', {}, ...actions));
  });

  const name = el('input', { id: 'role-name', name: 'name', required: '', maxlength: '100', pattern: '[A-Za-z0-9_.\\-]+', autocomplete: 'off' });
  const description = el('input', { id: 'role-description', name: 'description', maxlength: '1000', autocomplete: 'off' });
  const boxes = scopes.map((group, g) =>
    el(
      'fieldset',
      { class: 'scope-group' },
      el('legend', {}, group.group),
      ...group.scopes.map((s, i) => {
        const id = `scope-${g}-${i}`;
        return el('div', { class: 'check' }, el('input', { type: 'checkbox', id, name: 'permissions', value: s.name }), el('label', { for: id, title: s.description }, s.name), s.description ? el('span', { class: 'muted' }, ` — ${s.description}`) : null);
      }),
    ),
  );
  const create = el('button', { type: 'submit' }, 'Create role');
  const form = el('form', { 'aria-label': 'Create a custom role' }, el('div', { class: 'filters' }, field('Role name', name), field('Description', description)), ...boxes, create);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const permissions = [...form.querySelectorAll<HTMLInputElement>('input[name="permissions"]:checked')].map((box) => box.value);
    if (permissions.length === 0) return showProblem(problems, new Error('choose at least one permission'));
    create.disabled = true;
    sendJson<OrgRoleRow>(base, { body: { name: name.value, description: description.value, permissions } }).then(
      (role) => refresh(`Created the role ${role.name}.`),
      (error: unknown) => {
        create.disabled = false;
        showProblem(problems, error);
      },
    );
  });

  main.replaceChildren(
    el('h1', {}, `Roles of ${org}`),
    problems,
    el('h2', {}, 'Roles'),
    el('table', { class: 'roles' }, el('thead', {}, el('tr', {}, ...['Role', 'Kind', 'Description', 'Permits', ''].map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows)),
    el('h2', {}, 'Create a custom role'),
    form,
  );
}
