import { orgApiPath } from './api.js';
import { el } from './dom.js';
import { machineTokensSection } from './machine-tokens.js';

/** An organization's own access tokens (for CI/CD and automation), for its administrators. */
export async function orgTokensPage(main: HTMLElement, org: string): Promise<void> {
  const section = await machineTokensSection({ apiPath: `${orgApiPath(org)}/tokens`, title: 'Organization tokens', idPrefix: 'org-tokens', offerAdmin: true });
  main.replaceChildren(
    el('h1', {}, `Access tokens of ${org}`),
    el('p', { class: 'muted' }, 'Organization tokens act for the organization, not for a person: a member role, or an organization admin when marked so. Team tokens are on each team’s page.'),
    section,
  );
}
