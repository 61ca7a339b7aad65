import { type AccessReason, getJson, orgApiPath, PERMISSION_NAMES, sendJson, stackApiPath, stackPagePath, type StackResourceNode, type StackSettings, type Team } from './api.js';
import { el, field, permissionSelect, refresh, showProblem } from './dom.js';
import { type StackRoute, tabs } from './stack-page.js';

function level(permission: number): string {
  return PERMISSION_NAMES[permission] ?? 'None';
}

function targetText(target: { kind: string; project?: string; stack?: string; key?: string; value?: string }): string {
  if (target.kind === 'stack') return `this stack`;
  if (target.kind === 'tag') return `stacks tagged ${target.key ?? ''}=${target.value ?? ''}`;
  return 'every stack';
}

function viaText(via: { kind: string; team?: string }): string {
  if (via.kind === 'team') return `through team ${via.team ?? ''}`;
  if (via.kind === 'token') return 'through the token in use';
  return 'given to you';
}

/** One line of "why": each source of access, in words. */
export function reasonText(reason: AccessReason): string {
  switch (reason.kind) {
    case 'organization-admin':
      return `You are an administrator of ${reason.organization}: Admin on every stack.`;
    case 'organization-default':
      return `Every member of the organization has ${level(reason.permission)} on every stack.`;
    case 'stack-creator':
      return `You created this stack (${reason.login}): Admin.`;
    case 'personal-namespace':
      return `This stack is in your own namespace (${reason.login}): Admin.`;
    case 'grant':
      return `${level(reason.permission)} on ${targetText(reason.target)}, ${viaText(reason.via)}.`;
    case 'role':
      return `Role ${reason.role.name} ${viaText(reason.via)}: ${reason.scopes.join(', ')} on ${targetText(reason.target)}.`;
  }
}

function sendThenRefresh(control: HTMLButtonElement | HTMLSelectElement, problems: HTMLElement, path: string, options: { method: string; body?: unknown }, notice: string): void {
  control.disabled = true;
  sendJson<void>(path, options).then(
    () => refresh(notice),
    (error: unknown) => {
      control.disabled = false;
      showProblem(problems, error);
    },
  );
}

/** A stack's settings: tags, access by team, and why the person has the access they have. */
export async function stackSettingsPage(main: HTMLElement, route: StackRoute): Promise<void> {
  const base = stackApiPath(route.org, route.project, route.stack);
  const settings = await getJson<StackSettings>(`${base}/settings`);
  // Team names to choose from; only people who may see the organization's teams get the list.
  const teams = settings.canManageAccess ? await getJson<{ teams: Team[] }>(`${orgApiPath(route.org)}/teams`).then((t) => t.teams, () => []) : [];
  const problems = el('div', { id: 'settings-problems' });

  const tagRows = Object.entries(settings.tags).map(([name, value]) => {
    const cells = [el('td', {}, name), el('td', {}, value)];
    if (settings.canChangeTags) {
      const remove = el('button', { type: 'button', 'aria-label': `Remove tag ${name}` }, 'Remove');
      remove.addEventListener('click', () => sendThenRefresh(remove, problems, `${base}/tags/${encodeURIComponent(name)}`, { method: 'DELETE' }, `Removed tag ${name}.`));
      cells.push(el('td', {}, remove));
    }
    return el('tr', { 'data-tag': name }, ...cells);
  });
  const tagName = el('input', { id: 'tag-name', name: 'name', required: '', maxlength: '100', autocomplete: 'off' });
  const tagValue = el('input', { id: 'tag-value', name: 'value', maxlength: '256', autocomplete: 'off' });
  const addTag = el('button', { type: 'submit' }, 'Add tag');
  const tagForm = el('form', { class: 'filters', 'aria-label': 'Add a tag' }, field('Tag name', tagName), field('Tag value', tagValue), addTag);
  tagForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sendThenRefresh(addTag, problems, `${base}/tags`, { method: 'POST', body: { name: tagName.value, value: tagValue.value } }, `Set tag ${tagName.value}.`);
  });

  const teamRows = settings.teams.map((t) => {
    const cells = [el('td', {}, t.displayName && t.displayName !== t.name ? `${t.name} (${t.displayName})` : t.name)];
    if (settings.canManageAccess) {
      const select = permissionSelect({ 'aria-label': `Access for team ${t.name}` }, t.permission);
      select.addEventListener('change', () =>
        sendThenRefresh(select, problems, `${base}/teams/${encodeURIComponent(t.name)}`, { method: 'PUT', body: { permission: Number(select.value) } }, `Team ${t.name} now has ${level(Number(select.value))}.`),
      );
      const remove = el('button', { type: 'button', 'aria-label': `Remove access of team ${t.name}` }, 'Remove');
      remove.addEventListener('click', () => sendThenRefresh(remove, problems, `${base}/teams/${encodeURIComponent(t.name)}`, { method: 'PUT', body: { permission: 0 } }, `Team ${t.name} no longer has access.`));
      cells.push(el('td', {}, select), el('td', {}, remove));
    } else {
      cells.push(el('td', {}, level(t.permission)));
    }
    return el('tr', { 'data-team': t.name }, ...cells);
  });
  const granted = new Set(settings.teams.map((t) => t.name));
  const teamChoice = el('select', { id: 'access-team', name: 'team', required: '' }, el('option', { value: '' }, 'Choose a team…'), ...teams.filter((t) => !granted.has(t.name)).map((t) => el('option', { value: t.name }, t.name)));
  const teamLevel = permissionSelect({ id: 'access-permission', name: 'permission' });
  const giveTeam = el('button', { type: 'submit' }, 'Give access');
  const teamForm = el('form', { class: 'filters', 'aria-label': 'Give a team access' }, field('Team', teamChoice), field('Permission', teamLevel), giveTeam);
  teamForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (teamChoice.value === '') return showProblem(problems, new Error('choose a team'));
    sendThenRefresh(giveTeam, problems, `${base}/teams/${encodeURIComponent(teamChoice.value)}`, { method: 'PUT', body: { permission: Number(teamLevel.value) } }, `Gave team ${teamChoice.value} ${level(Number(teamLevel.value))}.`);
  });

  const { access } = settings;
  const manage = manageStack(route, base);
  main.replaceChildren(
    el('h1', {}, `${route.org}/${route.project}/${route.stack}`),
    tabs(route, 'settings'),
    problems,
    el('h2', {}, 'Tags'),
    tagRows.length
      ? el('table', { class: 'tags' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Value'), ...(settings.canChangeTags ? [el('th', { scope: 'col' }, '')] : []))), el('tbody', {}, ...tagRows))
      : el('p', { class: 'muted' }, 'No tags.'),
    ...(settings.canChangeTags ? [tagForm] : []),
    el('h2', {}, 'Access by team'),
    teamRows.length
      ? el('table', { class: 'team-access' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Team'), el('th', { scope: 'col' }, 'Permission'), ...(settings.canManageAccess ? [el('th', { scope: 'col' }, '')] : []))), el('tbody', {}, ...teamRows))
      : el('p', { class: 'muted' }, 'No team has access of its own to this stack.'),
    ...(settings.canManageAccess ? [teamForm] : []),
    el('section', { class: 'why', 'aria-labelledby': 'why-heading' },
      el('h2', { id: 'why-heading' }, 'Why do I have this access?'),
      el('p', { id: 'my-permission' }, `You (${access.user}) have ${level(access.permission)} on this stack.`),
      access.reasons.length ? el('ul', { class: 'reasons' }, ...access.reasons.map((r) => el('li', {}, reasonText(r)))) : el('p', { class: 'muted' }, 'Nothing gives you access beyond reading what you were shown.'),
      el(
        'table',
        { class: 'actions' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Action'), el('th', { scope: 'col' }, 'Allowed'))),
        el('tbody', {}, ...access.actions.map((a) => el('tr', { 'data-action': a.action }, el('td', {}, a.action), el('td', {}, a.allowed ? 'yes' : `no${a.reason ? ` — ${a.reason}` : ''}`)))),
      ),
    ),
    manage,
  );
}

function goTo(path: string): void {
  window.dispatchEvent(new CustomEvent('console:navigate', { detail: path }));
}

/**
 * Opens the stack's settings at its new address once the api knows the person there: the api may
 * trust a person's resolved access for a few seconds (docs/architecture.md), so right after a rename
 * or transfer the new name can briefly answer 404.
 */
async function goToMoved(to: { org: string; project: string; stack: string }): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const known = await getJson<unknown>(`${stackApiPath(to.org, to.project, to.stack)}/settings`).then(
      () => true,
      () => false,
    );
    if (known) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  goTo(`${stackPagePath(to.org, to.project, to.stack)}/settings`);
}

/**
 * Rename, transfer and delete. Offered to everyone who can see the stack: the api decides (stack
 * Admin) and its refusal is shown as it gave it. Deleting needs the stack's name typed.
 */
function manageStack(route: StackRoute, base: string): HTMLElement {
  const problems = el('div', { id: 'manage-problems' });
  const fail = (control: HTMLButtonElement) => (error: unknown) => {
    control.disabled = false;
    showProblem(problems, error);
  };

  const newName = el('input', { id: 'rename-to', name: 'newName', required: '', maxlength: '100', autocomplete: 'off', value: route.stack });
  const rename = el('button', { type: 'submit' }, 'Rename stack');
  const renameForm = el('form', { class: 'filters', 'aria-label': 'Rename the stack' }, field('New name', newName), rename);
  renameForm.addEventListener('submit', (event) => {
    event.preventDefault();
    rename.disabled = true;
    sendJson<{ org: string; project: string; stack: string }>(`${base}/rename`, { body: { newName: newName.value } }).then(goToMoved, fail(rename));
  });

  const toOrg = el('input', { id: 'transfer-to', name: 'toOrg', required: '', maxlength: '100', autocomplete: 'off' });
  const transfer = el('button', { type: 'submit' }, 'Transfer stack');
  const transferForm = el('form', { class: 'filters', 'aria-label': 'Transfer the stack to another organization' }, field('Organization', toOrg), transfer);
  transferForm.addEventListener('submit', (event) => {
    event.preventDefault();
    transfer.disabled = true;
    sendJson<{ org: string; project: string; stack: string }>(`${base}/transfer`, { body: { toOrg: toOrg.value } }).then(goToMoved, fail(transfer));
  });

  const confirm = el('input', { id: 'delete-confirm', name: 'confirm', required: '', autocomplete: 'off' });
  const force = el('input', { id: 'delete-force', type: 'checkbox', name: 'force' });
  const remove = el('button', { type: 'submit', class: 'danger', disabled: '' }, 'Delete stack');
  confirm.addEventListener('input', () => (remove.disabled = confirm.value !== route.stack));
  const deleteForm = el(
    'form',
    { class: 'filters', 'aria-label': 'Delete the stack' },
    field(`Type ${route.stack} to confirm`, confirm),
    el('div', { class: 'field' }, el('label', { for: 'delete-force' }, force, ' Delete even if it still has resources')),
    remove,
  );
  deleteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (confirm.value !== route.stack) return showProblem(problems, new Error(`type ${route.stack} to confirm`));
    remove.disabled = true;
    sendJson<void>(`${base}/delete`, { body: { confirm: confirm.value, force: force.checked } }).then(() => goTo('/console/'), fail(remove));
  });

  return el(
    'section',
    { class: 'manage', 'aria-labelledby': 'manage-heading' },
    el('h2', { id: 'manage-heading' }, 'Rename, transfer or delete'),
    el('p', { class: 'muted' }, 'These need Admin on the stack.'),
    problems,
    renameForm,
    transferForm,
    deleteForm,
  );
}

function shownValue(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function resourceItem(node: StackResourceNode): HTMLElement {
  const summary = el('summary', {}, el('span', { class: 'resource-name' }, node.name), ' ', el('span', { class: 'muted' }, node.type));
  const facts = el(
    'dl',
    { class: 'facts' },
    el('dt', {}, 'Type'),
    el('dd', {}, node.type),
    el('dt', {}, 'Provider'),
    el('dd', {}, node.provider || '—'),
    el('dt', {}, 'ID'),
    el('dd', {}, node.id ?? '—'),
    el('dt', {}, 'URN'),
    el('dd', {}, el('code', {}, node.urn)),
  );
  const properties = el('div', { class: 'properties' }, el('h3', {}, 'Inputs'), el('pre', { class: 'props inputs' }, shownValue(node.inputs)), el('h3', {}, 'Outputs'), el('pre', { class: 'props outputs' }, shownValue(node.outputs)));
  return el(
    'li',
    { 'data-urn': node.urn },
    el('details', {}, summary, facts, properties),
    ...(node.children.length ? [el('ul', { class: 'tree' }, ...node.children.map(resourceItem))] : []),
  );
}

/** The stack's resources as a tree by parent, with type, provider and properties (secrets masked). */
export async function stackResourcesPage(main: HTMLElement, route: StackRoute): Promise<void> {
  const { resources } = await getJson<{ resources: StackResourceNode[] }>(`${stackApiPath(route.org, route.project, route.stack)}/resources`);
  main.replaceChildren(
    el('h1', {}, `${route.org}/${route.project}/${route.stack}`),
    tabs(route, 'resources'),
    resources.length ? el('ul', { class: 'tree root' }, ...resources.map(resourceItem)) : el('p', { class: 'muted' }, 'No resources.'),
  );
}
