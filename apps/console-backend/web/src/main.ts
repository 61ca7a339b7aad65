import { ConsoleApiError, type ConsoleSession, getJson } from './api.js';
import { el, link } from './dom.js';
import { stackPage, updatesPage } from './stack-page.js';
import { stacksPage } from './stacks-page.js';
import { tokensPage } from './tokens-page.js';
import { updatePage } from './update-page.js';

const main = document.getElementById('app') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
let current: AbortController | undefined;

const STACK_ROUTE = /^\/console\/stacks\/([^/]+)\/([^/]+)\/([^/]+)(?:\/updates(?:\/([^/]+))?)?\/?$/;

/** Draws the page for the current URL; a newer navigation cancels the previous page's work. */
async function render(): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const path = window.location.pathname;
  try {
    const match = STACK_ROUTE.exec(path);
    if (match) {
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
    main.setAttribute('data-ready', path);
  } catch (error) {
    if (controller.signal.aborted || (error instanceof ConsoleApiError && error.status === 401)) return;
    const message = error instanceof Error ? error.message : String(error);
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
window.addEventListener('popstate', () => void render());

async function showAccount(): Promise<void> {
  const session = await getJson<ConsoleSession>('/console/api/session');
  const signOut = el('form', { method: 'post', action: '/logout' }, el('input', { type: 'hidden', name: 'csrf', value: session.csrfToken }), el('button', { type: 'submit' }, 'Sign out'));
  account.replaceChildren(el('span', { id: 'signed-in-as' }, session.user.login, ' '), signOut);
}

void showAccount().catch(() => undefined);
void render();
