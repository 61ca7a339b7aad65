import { getJson, type OrganizationMember, orgApiPath, orgPagePath, PERMISSION_NAMES, sendJson, stackPagePath, type StackSummary, type Team } from './api.js';
import { machineTokensSection } from './machine-tokens.js';
import { el, field, link, permissionSelect, refresh, showProblem } from './dom.js';

/** Sends one change and draws the page again with `notice`; a refusal is shown in `problems`. */
function change(button: HTMLButtonElement | HTMLSelectElement, problems: HTMLElement, path: string, options: { method: string; body?: unknown }, notice: string): void {
  button.disabled = true;
  sendJson<void>(path, options).then(
    () => refresh(notice),
    (error: unknown) => {
      button.disabled = false;
      showProblem(problems, error);
    },
  );
}

/** An organization's teams: list them and create one (organization admins). */
export async function teamsPage(main: HTMLElement, org: string): Promise<void> {
  const { teams } = await getJson<{ teams: Team[] }>(`${orgApiPath(org)}/teams`);
  const problems = el('div', { id: 'teams-problems' });
  const name = el('input', { id: 'team-name', name: 'name', required: '', maxlength: '100', pattern: '[A-Za-z0-9_.\\-]+', autocomplete: 'off' });
  const displayName = el('input', { id: 'team-display-name', name: 'displayName', maxlength: '200', autocomplete: 'off' });
  const description = el('input', { id: 'team-description', name: 'description', maxlength: '1000', autocomplete: 'off' });
  const create = el('button', { type: 'submit' }, 'Create team');
  const form = el(
    'form',
    { class: 'filters', 'aria-label': 'Create a team' },
    field('Team name', name),
    field('Display name', displayName),
    field('Description', description),
    create,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    create.disabled = true;
    sendJson<Team>(`${orgApiPath(org)}/teams`, { body: { name: name.value, displayName: displayName.value, description: description.value } }).then(
      (team) => window.dispatchEvent(new CustomEvent('console:navigate', { detail: `${orgPagePath(org)}/teams/${encodeURIComponent(team.name)}` })),
      (error: unknown) => {
        create.disabled = false;
        showProblem(problems, error);
      },
    );
  });
  main.replaceChildren(
    el('h1', {}, `Teams of ${org}`),
    el('h2', {}, 'Create a team'),
    form,
    problems,
    el('h2', {}, 'Teams'),
    teams.length
      ? el(
          'table',
          { class: 'teams' },
          el('thead', {}, el('tr', {}, ...['Team', 'Display name', 'Description', 'Kind'].map((h) => el('th', { scope: 'col' }, h)))),
          el(
            'tbody',
            {},
            ...teams.map((t) =>
              el(
                'tr',
                { 'data-team': t.name },
                el('td', {}, link(`${orgPagePath(org)}/teams/${encodeURIComponent(t.name)}`, t.name)),
                el('td', {}, t.displayName),
                el('td', {}, t.description),
                el('td', {}, t.kind === 'scim' ? 'from the identity provider' : 'Stackyard'),
              ),
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'No teams yet.'),
  );
}

/** One team: its members (add, remove) and its access to stacks (give, change, take away). */
export async function teamPage(main: HTMLElement, org: string, teamName: string): Promise<void> {
  const teamPath = `${orgApiPath(org)}/teams/${encodeURIComponent(teamName)}`;
  const [team, { members }, { stacks }] = await Promise.all([
    getJson<Team>(teamPath),
    getJson<{ members: OrganizationMember[] }>(`${orgApiPath(org)}/members`),
    getJson<{ stacks: StackSummary[] }>('/console/api/stacks'),
  ]);
  const problems = el('div', { id: 'team-problems' });
  const inTeam = new Set((team.members ?? []).map((m) => m.githubLogin));

  const memberRows = (team.members ?? []).map((m) => {
    const remove = el('button', { type: 'button', 'aria-label': `Remove ${m.githubLogin} from the team` }, 'Remove');
    remove.addEventListener('click', () => change(remove, problems, teamPath, { method: 'PATCH', body: { memberAction: 'remove', member: m.githubLogin } }, `Removed ${m.githubLogin} from the team.`));
    return el('tr', { 'data-member': m.githubLogin }, el('td', {}, m.githubLogin), el('td', {}, m.name), el('td', {}, m.role), el('td', {}, remove));
  });
  const candidates = members.filter((m) => !inTeam.has(m.login));
  const memberChoice = el('select', { id: 'team-member', name: 'member', required: '' }, el('option', { value: '' }, 'Choose a member…'), ...candidates.map((m) => el('option', { value: m.login }, m.name && m.name !== m.login ? `${m.login} (${m.name})` : m.login)));
  const addMember = el('button', { type: 'submit' }, 'Add member');
  const memberForm = el('form', { class: 'filters', 'aria-label': 'Add a member' }, field('Member', memberChoice), addMember);
  memberForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (memberChoice.value === '') return showProblem(problems, new Error('choose a member to add'));
    change(addMember, problems, teamPath, { method: 'PATCH', body: { memberAction: 'add', member: memberChoice.value } }, `Added ${memberChoice.value} to the team.`);
  });

  const stackRows = (team.stacks ?? []).map((s) => {
    const name = `${s.projectName}/${s.stackName}`;
    const stack = { projectName: s.projectName, stackName: s.stackName };
    const level = permissionSelect({ 'aria-label': `Permission on ${name}` }, s.permission);
    level.addEventListener('change', () =>
      change(level, problems, teamPath, { method: 'PATCH', body: { editStackPermission: { ...stack, permission: Number(level.value) } } }, `The team now has ${PERMISSION_NAMES[Number(level.value)]} on ${name}.`),
    );
    const remove = el('button', { type: 'button', 'aria-label': `Remove access to ${name}` }, 'Remove');
    remove.addEventListener('click', () => change(remove, problems, teamPath, { method: 'PATCH', body: { removeStack: stack } }, `The team no longer has access to ${name}.`));
    return el('tr', { 'data-grant': name }, el('td', {}, link(stackPagePath(org, s.projectName, s.stackName), name)), el('td', {}, level), el('td', {}, remove));
  });
  const granted = new Set((team.stacks ?? []).map((s) => `${s.projectName}/${s.stackName}`));
  const stackChoice = el(
    'select',
    { id: 'grant-stack', name: 'stack', required: '' },
    el('option', { value: '' }, 'Choose a stack…'),
    ...stacks.filter((s) => s.orgName === org && !granted.has(`${s.projectName}/${s.stackName}`)).map((s) => el('option', { value: `${s.projectName}/${s.stackName}` }, `${s.projectName}/${s.stackName}`)),
  );
  const level = permissionSelect({ id: 'grant-permission', name: 'permission' });
  const give = el('button', { type: 'submit' }, 'Give access');
  const stackForm = el('form', { class: 'filters', 'aria-label': 'Give the team access to a stack' }, field('Stack', stackChoice), field('Permission', level), give);
  stackForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const [projectName, stackName] = stackChoice.value.split('/');
    if (!projectName || !stackName) return showProblem(problems, new Error('choose a stack'));
    change(give, problems, teamPath, { method: 'PATCH', body: { addStackPermission: { projectName, stackName, permission: Number(level.value) } } }, `Gave the team ${PERMISSION_NAMES[Number(level.value)]} on ${stackChoice.value}.`);
  });

  const table = (cls: string, headings: string[], rows: HTMLElement[], empty: string) =>
    rows.length ? el('table', { class: cls }, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, ...rows)) : el('p', { class: 'muted' }, empty);
  const tokens = await machineTokensSection({ apiPath: `${teamPath}/tokens`, title: 'Team tokens', idPrefix: 'team-tokens', offerAdmin: false });
  main.replaceChildren(
    el('h1', {}, team.displayName || team.name),
    el('p', {}, link(`${orgPagePath(org)}/teams`, `All teams of ${org}`)),
    ...(team.description ? [el('p', { class: 'muted' }, team.description)] : []),
    problems,
    el('h2', { id: 'members-heading' }, 'Members'),
    table('members', ['Login', 'Name', 'Team role', ''], memberRows, 'No members yet.'),
    memberForm,
    el('h2', { id: 'stacks-heading' }, 'Stacks'),
    table('grants', ['Stack', 'Permission', ''], stackRows, 'The team has access to no stack.'),
    stackForm,
    tokens,
  );
}
