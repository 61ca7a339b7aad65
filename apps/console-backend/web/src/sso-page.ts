import { getJson, orgApiPath, type SamlSettings, sendJson, type Team } from './api.js';
import { el, field, refresh, showProblem } from './dom.js';

function facts(entries: Array<[string, Node | string]>): HTMLDListElement {
  return el('dl', { class: 'facts' }, ...entries.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}

/**
 * An organization's SAML single sign-on (organization admins): what to give the IdP (the SP's
 * entity ID, ACS URL and metadata file), and the IdP's metadata, attributes, group → team
 * mappings and whether it is on. Identity checks the metadata and says why it refuses it.
 */
export async function ssoPage(main: HTMLElement, org: string): Promise<void> {
  const base = `${orgApiPath(org)}/settings/sso`;
  const [config, { teams }] = await Promise.all([getJson<SamlSettings>(base), getJson<{ teams: Team[] }>(`${orgApiPath(org)}/teams`)]);
  const problems = el('div', { id: 'sso-problems' });

  const sp = facts([
    ['Entity ID', el('code', {}, config.serviceProvider.entityId)],
    ['ACS URL', el('code', {}, config.serviceProvider.acsUrl)],
    ['Metadata', el('a', { href: `${base}/sp-metadata.xml`, download: `${org}-sp-metadata.xml` }, 'Download SP metadata')],
  ]);
  const status = config.configured
    ? facts([
        ['Status', config.enabled ? 'enabled' : 'configured, not enabled'],
        ['IdP', config.idp?.entityId ?? '—'],
        ['IdP sign-in URL', config.idp?.ssoUrl ?? '—'],
        ['Signing certificates', config.idp ? `${config.idp.signingCertificateCount}, the first expires ${new Date(config.idp.signingCertificatesExpireAt).toLocaleDateString()}` : '—'],
        ['Last changed', config.updatedAt ? `${new Date(config.updatedAt).toLocaleString()} by ${config.updatedBy ?? 'unknown'}` : '—'],
      ])
    : el('p', { class: 'muted', id: 'sso-status' }, 'Single sign-on is not configured yet.');

  const file = el('input', { id: 'idp-metadata-file', type: 'file', accept: '.xml,application/samlmetadata+xml,application/xml,text/xml' });
  const xml = el('textarea', { id: 'idp-metadata-xml', name: 'idpMetadataXml', rows: '8', spellcheck: 'false', placeholder: '<EntityDescriptor …>' });
  const storedXml = config.idpMetadataXml ?? '';
  xml.value = storedXml;
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) void chosen.text().then((text) => (xml.value = text));
  });
  const groups = el('input', { id: 'groups-attribute', name: 'groupsAttribute', value: config.groupsAttribute, autocomplete: 'off', maxlength: '256' });
  const username = el('input', { id: 'username-attribute', name: 'usernameAttribute', value: config.usernameAttribute ?? '', autocomplete: 'off', maxlength: '256', placeholder: 'the NameID' });
  const enabled = el('input', { id: 'sso-enabled', type: 'checkbox', ...(config.enabled || !config.configured ? { checked: '' } : {}) });

  const mappingRows = el('tbody', {});
  let rowCount = 0;
  const addRow = (group = '', team = ''): void => {
    const n = rowCount++;
    const groupInput = el('input', { id: `mapping-group-${n}`, 'aria-label': `IdP group ${n + 1}`, value: group, autocomplete: 'off', maxlength: '256', 'data-mapping': 'group' });
    const teamChoice = el(
      'select',
      { id: `mapping-team-${n}`, 'aria-label': `Team for IdP group ${n + 1}`, 'data-mapping': 'team' },
      el('option', { value: '' }, 'Choose a team…'),
      ...teams.map((t) => el('option', t.name === team ? { value: t.name, selected: '' } : { value: t.name }, t.displayName && t.displayName !== t.name ? `${t.name} (${t.displayName})` : t.name)),
    );
    const remove = el('button', { type: 'button', 'aria-label': `Remove mapping ${n + 1}` }, 'Remove');
    const row = el('tr', { 'data-mapping-row': '' }, el('td', {}, groupInput), el('td', {}, teamChoice), el('td', {}, remove));
    remove.addEventListener('click', () => row.remove());
    mappingRows.append(row);
  };
  for (const m of config.teamMappings) addRow(m.group, m.team);
  const addMapping = el('button', { type: 'button' }, 'Add mapping');
  addMapping.addEventListener('click', () => {
    addRow();
    mappingRows.querySelector<HTMLInputElement>('tr:last-child input')?.focus();
  });

  const save = el('button', { type: 'submit' }, 'Save');
  const form = el(
    'form',
    { 'aria-label': 'Single sign-on settings' },
    el('h2', {}, 'Identity provider'),
    el('p', { class: 'muted' }, config.configured ? "The stored IdP metadata is shown below; upload or paste new metadata to replace it, or save without changing it to keep it." : "Upload the IdP's SAML 2.0 metadata file or paste it below."),
    el('div', { class: 'field' }, el('label', { for: file.id }, 'IdP metadata file'), file),
    el('div', { class: 'field' }, el('label', { for: xml.id }, 'IdP metadata XML'), xml),
    el('div', { class: 'filters' }, field('Groups attribute', groups), field('Username attribute', username)),
    el('h2', {}, 'Group → team mappings'),
    el('table', { class: 'mappings' }, el('thead', {}, el('tr', {}, ...['IdP group', 'Team', ''].map((h) => el('th', { scope: 'col' }, h)))), mappingRows),
    addMapping,
    el('div', { class: 'check' }, enabled, el('label', { for: enabled.id }, 'Enabled: offer it on the sign-in page and require it of members')),
    save,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const teamMappings = [...mappingRows.querySelectorAll('tr')].map((row) => ({
      group: row.querySelector<HTMLInputElement>('[data-mapping="group"]')?.value.trim() ?? '',
      team: row.querySelector<HTMLSelectElement>('[data-mapping="team"]')?.value ?? '',
    }));
    if (teamMappings.some((m) => m.group === '' || m.team === '')) return showProblem(problems, new Error('each mapping needs an IdP group and a team'));
    if (xml.value.trim() === '' && !config.configured) return showProblem(problems, new Error("upload or paste the IdP's metadata"));
    // Unchanged (or emptied) metadata is left out, so identity keeps what it stores.
    const newXml = xml.value.trim() !== '' && xml.value.trim() !== storedXml.trim() ? { idpMetadataXml: xml.value } : {};
    save.disabled = true;
    sendJson<SamlSettings>(base, { method: 'PUT', body: { ...newXml, groupsAttribute: groups.value.trim(), usernameAttribute: username.value.trim(), teamMappings, enabled: enabled.checked } }).then(
      (saved) => refresh(`Saved the single sign-on settings (${saved.enabled ? 'enabled' : 'not enabled'}).`),
      (error: unknown) => {
        save.disabled = false;
        showProblem(problems, error);
        problems.querySelector<HTMLElement>('[role="alert"]')?.setAttribute('tabindex', '-1');
        problems.querySelector<HTMLElement>('[role="alert"]')?.focus();
      },
    );
  });

  // A real SP-initiated round trip against the saved configuration, enabled or not: the IdP's answer
  // comes back to the ACS, which shows what was asserted (or why it fails) and signs nobody in.
  const testSection: HTMLElement[] = [];
  if (config.configured) {
    const testButton = el('button', { type: 'button', id: 'sso-test' }, 'Test sign-in');
    const testProblems = el('div', { id: 'sso-test-problems' });
    testButton.addEventListener('click', () => {
      testButton.disabled = true;
      sendJson<{ redirectUrl: string }>(`${base}/test`, { method: 'POST' }).then(
        ({ redirectUrl }) => window.location.assign(redirectUrl),
        (error: unknown) => {
          testButton.disabled = false;
          showProblem(testProblems, error);
        },
      );
    });
    testSection.push(
      el('h2', {}, 'Test the connection'),
      el('p', { class: 'muted' }, 'Sign in at the identity provider as any of its users to see what it asserts: the username, the groups and the teams they map to. This tests the saved settings, enabled or not; nobody is signed in and nothing changes.'),
      testProblems,
      testButton,
    );
  }

  main.replaceChildren(
    el('h1', {}, `Single sign-on for ${org}`),
    ...(config.problem ? [el('p', { class: 'alert', role: 'alert' }, config.problem)] : []),
    status,
    ...testSection,
    el('h2', {}, 'Give this to your identity provider'),
    sp,
    problems,
    form,
  );
}
