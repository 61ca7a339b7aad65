import assert from 'node:assert/strict';
import type { ChromiumPeer, RecordedPage, SlapdPeer } from '@stackyard/testing';

/** `STACKYARD_DIRECTORIES` for identity: the slapd peer as the organization's LDAP directory `corp`. */
export function ldapDirectories(slapd: SlapdPeer, organization: string): string {
  const ldap = { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn };
  return JSON.stringify([{ id: 'corp', displayName: 'Corporate LDAP', organization, teamMappings: [], ldap }]);
}

/**
 * Signs a directory user in through the console's own form, as a person would: the console sends
 * the browser to sign-in and back to the stacks list, drawn. A fresh context (own cookies) each time.
 */
export async function signInWithPassword(chromium: ChromiumPeer, consoleOrigin: string, username: string, password: string, size?: { width: number; height: number }): Promise<RecordedPage> {
  const recorded = await chromium.newPage(size);
  const { page } = recorded;
  await page.goto(`${consoleOrigin}/console/`);
  await page.waitForURL(/\/login\?next=%2Fconsole%2F/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${consoleOrigin}/console/`);
  await page.locator('main[data-ready="/console/"]').waitFor();
  return recorded;
}

/** Issue 8: no request from the browser leaves the installation's own hosts. */
export function assertOnlyOwnOrigin(recorded: RecordedPage, consoleOrigin: string): void {
  const elsewhere = recorded.requests.filter((url) => !url.startsWith(`${consoleOrigin}/`));
  assert.deepEqual(elsewhere, [], 'every request the page made went to the console itself');
  assert.ok(recorded.requests.length > 3, 'the page did make requests');
}
