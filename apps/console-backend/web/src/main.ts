import { ConsoleApiError, type ConsoleSession, getJson, orgPagePath } from './api.js';
import { auditPage } from './audit-page.js';
import { membersPage } from './members-page.js';
import { rolesPage } from './roles-page.js';
import { ssoPage } from './sso-page.js';
import { el, link } from './dom.js';
import { stackPage, updatesPage } from './stack-page.js';
import { stackResourcesPage, stackSettingsPage } from './stack-settings-page.js';
import { teamPage, teamsPage } from './teams-page.js';
import { stacksPage } from './stacks-page.js';
import { tokensPage } from './tokens-page.js';
import { orgTokensPage } from './org-tokens-page.js';
import { updatePage } from './update-page.js';

const main = document.getElementById('app') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
let current: AbortController | undefined;
/** The path and query of the page drawn last. */
let drawnFor = '';

const STACK_ROUTE = /^\/console\/stacks\/([^/]+)\/([^/]+)\/([^/]+)(?:\/updates(?:\/([^/]+))?)?\/?$/;
const STACK_TAB_ROUTE = /^\/console\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/(settings|resources)\/?$/;
const ORG_TOKENS_ROUTE = /^\/console\/orgs\/([^/]+)\/tokens\/?$/;
const ORG_ROUTE = /^\/console\/orgs\/([^/]+)\/(teams|audit-log|members|roles|sso)(?:\/([^/]+))?\/?$/;

/** Draws the page for the current URL; a newer navigation cancels the previous page's work. */
async function render(notice?: string): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const path = window.location.pathname;
  drawnFor = path + window.location.search;
  // Until this page is drawn, nothing says "ready": what is on screen belongs to the previous URL.
  main.removeAttribute('data-ready');
  main.removeAttribute('data-ready-search');
  main.setAttribute('aria-busy', 'true');
  try {
    const match = STACK_ROUTE.exec(path);
    const stackTab = STACK_TAB_ROUTE.exec(path);
    const orgPage = ORG_ROUTE.exec(path);
    const orgTokens = ORG_TOKENS_ROUTE.exec(path);
    if (orgTokens) {
      const org = decodeURIComponent(orgTokens[1]);
      document.title = `Access tokens · ${org} · Stackyard`;
      await orgTokensPage(main, org);
    } else if (stackTab) {
      const [, org, project, stack, tab] = stackTab.map((part) => decodeURIComponent(part));
      const route = { org, project, stack };
      document.title = `${route.stack} ${tab} · Stackyard`;
      if (tab === 'settings') await stackSettingsPage(main, route);
      else await stackResourcesPage(main, route);
    } else if (orgPage) {
      const [, org, section, team] = orgPage.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
      if (section === 'audit-log' && team === undefined) {
        document.title = `Audit log · ${org!} · Stackyard`;
        await auditPage(main, org!, new URLSearchParams(window.location.search));
      } else if (section === 'members' && team === undefined) {
        document.title = `Members · ${org!} · Stackyard`;
        await membersPage(main, org!);
      } else if (section === 'sso' && team === undefined) {
        document.title = `Single sign-on · ${org!} · Stackyard`;
        await ssoPage(main, org!);
      } else if (section === 'roles' && team === undefined) {
        document.title = `Roles · ${org!} · Stackyard`;
        await rolesPage(main, org!);
      } else if (section === 'teams' && team !== undefined) {
        document.title = `${team} · Teams · Stackyard`;
        await teamPage(main, org!, team);
      } else if (section === 'teams') {
        document.title = `Teams · ${org!} · Stackyard`;
        await teamsPage(main, org!);
      } else throw new Error('There is no such page.');
    } else if (match) {
      const [, org, project, stack, updateId] = match.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
      const route = { org: org!, project: project!, stack: stack! };
      document.title = `${route.stack} · Stackyard`;
      if (updateId !== undefined) await updatePage(main, { ...route, updateId }, controller.signal);
      else if (path.replace(/\/$/, '').endsWith('/updates')) await updatesPage(main, route);
      else await stackPage(main, route);
    } else if (path.replace(/\/$/, '') === '/console/tokens') {
      document.title = 'Access tokens · Stackyard';
      const drawTokens = (): Promise<void> => tokensPage(main, drawTokens);
      await drawTokens();
    } else {
      document.title = 'Stacks · Stackyard';
      await stacksPage(main, new URLSearchParams(window.location.search));
    }
    if (controller.signal.aborted) return;
    if (notice) main.prepend(el('p', { class: 'notice', role: 'status', id: 'notice', tabindex: '-1' }, notice));
    main.setAttribute('data-ready', path);
    main.setAttribute('data-ready-search', window.location.search);
    main.removeAttribute('aria-busy');
    // What the console benchmark reads: when the page was first usable, from navigation start.
    if (performance.getEntriesByName('stackyard:ready').length === 0) performance.mark('stackyard:ready', { detail: path });
  } catch (error) {
    if (controller.signal.aborted || (error instanceof ConsoleApiError && error.status === 401)) return;
    const message = error instanceof Error ? error.message : String(error);
    main.removeAttribute('aria-busy');
    main.replaceChildren(el('h1', {}, 'Something went wrong'), el('p', { class: 'alert', role: 'alert' }, message), el('p', {}, link('/console/', 'All stacks')));
  }
}

function navigate(href: string): void {
  window.history.pushState(null, '', href);
  void render().then(() => main.focus());
}

document.addEventListener('click', (event) => {
  const target = (event.target as Element | null)?.closest('a[data-nav]');
  if (!(target instanceof HTMLAnchorElement) || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (new URL(target.href).origin !== window.location.origin) return;
  event.preventDefault();
  navigate(target.href);
});
window.addEventListener('console:navigate', (event) => navigate((event as CustomEvent<string>).detail));
// A fragment link (the skip link) changes only the hash: the page on screen is still the right one.
window.addEventListener('popstate', () => {
  if (window.location.pathname + window.location.search !== drawnFor) void render();
});
// After a change on the page: drawn again in place, focus on the notice saying what changed.
window.addEventListener('console:refresh', (event) => {
  void render((event as CustomEvent<string>).detail).then(() => document.getElementById('notice')?.focus());
});

async function showAccount(): Promise<void> {
  const session = await getJson<ConsoleSession>('/console/api/session');
  const signOut = el('form', { method: 'post', action: '/logout' }, el('input', { type: 'hidden', name: 'csrf', value: session.csrfToken }), el('button', { type: 'submit' }, 'Sign out'));
  account.replaceChildren(el('span', { id: 'signed-in-as' }, session.user.login, ' '), signOut);
  // Administrators get their organizations' teams and audit log.
  const sections = document.querySelector('nav.sections');
  for (const org of session.adminOf) {
    const suffix = session.adminOf.length > 1 ? ` (${org})` : '';
    sections?.append(' ', link(`${orgPagePath(org)}/teams`, `Teams${suffix}`), ' ', link(`${orgPagePath(org)}/audit-log`, `Audit log${suffix}`));
    sections?.append(' ', link(`${orgPagePath(org)}/tokens`, `Organization tokens${suffix}`));
    sections?.append(' ', link(`${orgPagePath(org)}/members`, `Members${suffix}`), ' ', link(`${orgPagePath(org)}/roles`, `Roles${suffix}`), ' ', link(`${orgPagePath(org)}/sso`, `Single sign-on${suffix}`));
  }
}

void showAccount().catch(() => undefined);
void render();
