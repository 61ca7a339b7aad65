import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type ChromiumPeer, PulumiCli, type RecordedPage, type SlapdPeer, startChromium, startSlapd } from '@stackyard/testing';
import { trustInstallationCa } from '../../support/cli-browser-login';
import { type StartedSuite, startSuiteInMode, type SuiteModeName } from '../../support/suite-modes';

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

/** Where the console tests keep their screenshots (dist/test-artifacts/console). */
export const CONSOLE_ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'console');

/**
 * One slapd for the whole test file (its people sign in to every suite of it), started in the
 * file's `before` and stopped in its `after`; call at the file's top level. The screenshot
 * directory is made on the way.
 */
export function directoryForFile(): () => SlapdPeer {
  let slapd: SlapdPeer | undefined;
  before(async () => {
    mkdirSync(CONSOLE_ARTIFACTS, { recursive: true });
    slapd = await startSlapd();
  });
  after(async () => {
    await slapd?.stop();
  });
  return () => {
    if (!slapd) throw new Error('the directory is started in the file’s before hook');
    return slapd;
  };
}

/** A suite whose identity signs the directory's people in to `organization`, the real CLI, and Chromium trusting the console. */
export interface ConsoleSuite {
  started: StartedSuite;
  chromium: ChromiumPeer;
  consoleOrigin: string;
  /** The pulumi CLI under test. */
  binary: string;
}

export async function startConsoleSuite(mode: SuiteModeName, slapd: SlapdPeer, organization: string): Promise<ConsoleSuite> {
  const [binary, started] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode, { serviceEnv: { identity: { STACKYARD_DIRECTORIES: ldapDirectories(slapd, organization) } } })]);
  try {
    assert.equal(started.suite.org, organization);
    trustInstallationCa(started.suite.caFile);
    const chromium = await startChromium({ serverCertificates: [readFileSync(started.suite.pki.publicCertFile, 'utf8')] });
    return { started, chromium, consoleOrigin: new URL(started.suite.consoleUrl).origin, binary };
  } catch (error) {
    await started.stop();
    throw error;
  }
}
