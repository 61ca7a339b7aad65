import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditLogEventsResponse } from '@stackyard/shared-contracts';
import { type ChromiumPeer, freePort, PulumiCli, type RecordedPage, type SimpleSamlPhpPeer, type SlapdPeer, startChromium, startSimpleSamlPhp, startSlapd, tempDir } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { directoryUserToken } from '../support/directory-sign-in';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { ldapDirectories, signInWithPassword } from './support/console-browser';

/**
 * Issue 8, SSO configuration in the console, in Debian's Chromium: an organization admin (alice,
 * LDAP) reads what to give the IdP, downloads the SP metadata, is told exactly why a bad metadata
 * file is refused, then uploads SimpleSAMLphp's metadata file, maps its group to a team and
 * enables it; a person then signs in through SimpleSAMLphp and sees the mapped team's stacks.
 */

const ORG = 'acme';
const PROJECT = 'payments';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'console');
const DANA = { username: 'dana', password: 'dana-password', mail: 'dana@acme.test', displayName: 'Dana Example', groups: ['platform-engineers'] };

let slapd: SlapdPeer;

/** The page reads a chosen file into the metadata text area: wait until it has. */
async function filledWith(page: RecordedPage['page'], text: string): Promise<void> {
  const area = page.getByLabel('IdP metadata XML');
  for (let i = 0; i < 100; i++) {
    if ((await area.inputValue()).includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the metadata text area never received the chosen file (${text})`);
}

/**
 * After "Test sign-in": sign in at SimpleSAMLphp as dana unless the IdP still has her session
 * (a second test goes straight back), then wait for the console's report page.
 */
async function testSignInReport(page: RecordedPage['page'], consoleUrl: string): Promise<void> {
  await page.locator('#sso-test-report, input[name="password"]').first().waitFor({ timeout: 30_000 });
  if (!page.url().startsWith(`${consoleUrl}/`)) {
    await page.locator('input[name="username"]').fill(DANA.username);
    await page.locator('input[name="password"]').fill(DANA.password);
    await page.locator('input[name="password"]').press('Enter');
  }
  await page.locator('#sso-test-report').waitFor({ timeout: 30_000 });
  assert.ok(page.url().startsWith(`${consoleUrl}/saml/${ORG}/acs`), page.url());
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  slapd = await startSlapd();
});

after(async () => {
  await slapd?.stop();
});

for (const mode of selectedModes()) {
  void describe(`SSO configuration in the web console in Chromium — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let idp: SimpleSamlPhpPeer;
    let chromium: ChromiumPeer;
    let consoleUrl: string;
    let rest: RestClient;
    const ssoPath = `/console/orgs/${ORG}/sso`;
    const shot = async (page: RecordedPage, name: string) => {
      await page.page.screenshot({ path: join(ARTIFACTS, `${mode}-${name}.png`), fullPage: true });
    };

    before(async () => {
      // The SP lives on the console host, and the IdP must know it before the suite starts.
      const consolePort = await freePort();
      consoleUrl = `https://127.0.0.1:${consolePort}`;
      let binary: string;
      [binary, idp] = await Promise.all([PulumiCli.binaryPath(), startSimpleSamlPhp({ sp: { entityId: `${consoleUrl}/saml/${ORG}`, acsUrl: `${consoleUrl}/saml/${ORG}/acs` }, users: [DANA] })]);
      started = await startSuiteInMode(mode, { org: ORG, ports: { consoleBackend: consolePort }, serviceEnv: { identity: { STACKYARD_DIRECTORIES: ldapDirectories(slapd, ORG) } } });
      trustInstallationCa(started.suite.caFile);
      chromium = await startChromium({ serverCertificates: [readFileSync(started.suite.pki.publicCertFile, 'utf8')] });
      rest = new RestClient(started.suite.apiUrl);
      const token = started.suite.adminToken;
      await directoryUserToken(started.suite.consoleUrl, 'corp', slapd.users.alice.username, slapd.users.alice.password);
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, token, { role: 'admin' });
      const admin = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: sharedProjectDir(PROJECT) });
      await admin.login(started.suite.apiUrl);
      await initStack(admin, `${ORG}/${PROJECT}/ledger`);
      await initStack(admin, `${ORG}/${PROJECT}/vault`);
      // Members see nothing by default; the `platform` team reads `ledger`.
      await rest.ok('PATCH', `/api/orgs/${ORG}`, token, { setDefaultStackPermission: 0 });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, token, { organization: ORG, name: 'platform', displayName: 'Platform', description: 'from the IdP' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/platform`, token, { addStackPermission: { projectName: PROJECT, stackName: 'ledger', permission: 101 } });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
      await idp?.stop();
    });

    void it("an admin configures SAML on the SSO page from the IdP's metadata file; a bad file is refused with the reason; then SSO signs people in", async () => {
      const alice = await signInWithPassword(chromium, consoleUrl, slapd.users.alice.username, slapd.users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'Single sign-on', exact: true }).click();
      await page.locator(`main[data-ready="${ssoPath}"]`).waitFor();
      await page.getByText('Single sign-on is not configured yet.').waitFor();
      // What to give the IdP: the SP's entity ID and ACS URL, and its metadata as a file.
      const text = (await page.locator('main').textContent()) ?? '';
      assert.ok(text.includes(`${consoleUrl}/saml/${ORG}`), 'the SP entity ID is shown');
      assert.ok(text.includes(`${consoleUrl}/saml/${ORG}/acs`), 'the ACS URL is shown');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download SP metadata' }).click()]);
      const spMetadata = readFileSync(await download.path(), 'utf8');
      assert.match(spMetadata, /EntityDescriptor/);
      assert.ok(spMetadata.includes(`entityID="${consoleUrl}/saml/${ORG}"`), spMetadata);
      assert.ok(spMetadata.includes(`${consoleUrl}/saml/${ORG}/acs`), spMetadata);

      // A file that is no SAML metadata: identity's 400 reason is on the page, nothing is stored.
      const dir = tempDir('stackyard-e2e-sso');
      const badFile = join(dir, 'not-metadata.xml');
      writeFileSync(badFile, '<html><body>this is a login page, not metadata</body></html>');
      await page.getByLabel('IdP metadata file').setInputFiles(badFile);
      await filledWith(page, 'login page');
      await page.getByRole('button', { name: 'Save' }).click();
      const alert = page.locator('#sso-problems [role="alert"]');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /the IdP metadata was refused/);
      await shot(alice, 'sso-bad-metadata');
      const refused = await page.request.get(`${consoleUrl}/console/api/orgs/${ORG}/settings/sso`);
      assert.equal(((await refused.json()) as { configured: boolean }).configured, false, 'nothing was stored');

      // SimpleSAMLphp's metadata through the file input, its group mapped to the platform team, enabled.
      const goodFile = join(dir, 'idp-metadata.xml');
      writeFileSync(goodFile, idp.metadataXml);
      await page.getByLabel('IdP metadata file').setInputFiles(goodFile);
      await filledWith(page, 'EntityDescriptor');
      await page.getByLabel('Groups attribute').fill('groups');
      await page.getByRole('button', { name: 'Add mapping' }).click();
      await page.getByLabel('IdP group 1', { exact: true }).fill('platform-engineers');
      await page.getByLabel('Team for IdP group 1', { exact: true }).selectOption('platform');
      // A second row added and removed again: only the first is saved.
      await page.getByRole('button', { name: 'Add mapping' }).click();
      await page.getByRole('button', { name: 'Remove mapping 2' }).click();
      // Saved but not enabled yet: that is what a test sign-in is for.
      await page.getByRole('checkbox', { name: /^Enabled/ }).uncheck();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator(`main[data-ready="${ssoPath}"] #notice`, { hasText: /Saved the single sign-on settings \(not enabled\)/ }).waitFor();
      // The stored metadata comes back to the page.
      assert.equal((await page.getByLabel('IdP metadata XML').inputValue()).trim(), idp.metadataXml.trim());

      // Test sign-in: a real round trip through SimpleSAMLphp as dana; the report shows her, her group and its team.
      const sessionCookie = async () => (await alice.context.cookies(consoleUrl)).find((c) => c.name === '__Host-stackyard-session')?.value;
      const cookieBefore = await sessionCookie();
      assert.ok(cookieBefore, 'alice has a session cookie');
      const sessionUser = async () => ((await (await page.request.get(`${consoleUrl}/console/api/session`)).json()) as { user: { login: string } }).user.login;
      assert.equal(await sessionUser(), 'alice');
      await page.getByRole('button', { name: 'Test sign-in' }).click();
      await testSignInReport(page, consoleUrl);
      assert.equal(await page.locator('#sso-test-report').getAttribute('data-succeeded'), 'true');
      assert.equal(await page.locator('#sso-test-failure').count(), 0);
      assert.match((await page.locator('#sso-test-username').textContent()) ?? '', /dana/);
      assert.match((await page.locator('#sso-test-groups').textContent()) ?? '', /platform-engineers/);
      assert.equal(((await page.locator('#sso-test-teams').textContent()) ?? '').trim(), 'platform');
      await shot(alice, 'sso-test-sign-in');
      // Nobody was signed in: alice's session is exactly as it was, and dana is no member of the organization.
      assert.equal(await sessionCookie(), cookieBefore, 'the session cookie is unchanged');
      assert.equal(await sessionUser(), 'alice');
      const members = await rest.ok<{ members: Array<{ user: { githubLogin: string; email?: string } }> }>('GET', `/api/orgs/${ORG}/members`, started.suite.adminToken);
      assert.ok(!members.members.some((m) => m.user.githubLogin.startsWith('dana') || m.user.email === DANA.mail), JSON.stringify(members.members.map((m) => m.user.githubLogin)));

      // A groups attribute the IdP does not send: saved without re-uploading, the test says exactly that.
      await page.getByRole('link', { name: 'Back to the single sign-on settings' }).click();
      await page.locator(`main[data-ready="${ssoPath}"]`).waitFor();
      await page.getByLabel('Groups attribute').fill('memberOf');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator(`main[data-ready="${ssoPath}"] #notice`, { hasText: /Saved the single sign-on settings \(not enabled\)/ }).waitFor();
      await page.getByRole('button', { name: 'Test sign-in' }).click();
      await testSignInReport(page, consoleUrl);
      assert.equal(await page.locator('#sso-test-report').getAttribute('data-succeeded'), 'false');
      assert.equal(await page.locator('#sso-test-failure').getAttribute('data-kind'), 'missing-groups-attribute');
      assert.match((await page.locator('#sso-test-failure').textContent()) ?? '', /no 'memberOf' attribute/);
      await shot(alice, 'sso-test-sign-in-failed');
      assert.equal(await sessionCookie(), cookieBefore, 'the session cookie is unchanged');
      // The audit line is written just after the report is answered: give it a moment.
      let tests: AuditLogEventsResponse = { auditLogEvents: [] };
      for (let i = 0; i < 50 && tests.auditLogEvents.length < 2; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        tests = await rest.ok<AuditLogEventsResponse>('GET', `/api/orgs/${ORG}/auditlogs/v2?eventFilter=saml_test_sign_in`, started.suite.adminToken);
      }
      assert.equal(tests.auditLogEvents.filter((e) => e.user.githubLogin === 'alice').length, 2, JSON.stringify(tests.auditLogEvents));
      assert.ok(tests.auditLogEvents.some((e) => /succeeded/.test(e.description)) && tests.auditLogEvents.some((e) => /failed \(missing-groups-attribute\)/.test(e.description)), JSON.stringify(tests.auditLogEvents));

      // Back to the right attribute and enabled, again without re-uploading: the stored metadata is kept.
      await page.getByRole('link', { name: 'Back to the single sign-on settings' }).click();
      await page.locator(`main[data-ready="${ssoPath}"]`).waitFor();
      await page.getByLabel('Groups attribute').fill('groups');
      await page.getByRole('checkbox', { name: /^Enabled/ }).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator(`main[data-ready="${ssoPath}"] #notice`, { hasText: /Saved the single sign-on settings \(enabled\)/ }).waitFor();
      const saved = (await page.locator('main').textContent()) ?? '';
      assert.ok(saved.includes(`${idp.baseUrl}`), 'the IdP is shown as configured');
      assert.equal(await page.getByLabel('IdP group 1', { exact: true }).inputValue(), 'platform-engineers');
      assert.equal(await page.getByLabel('Team for IdP group 1', { exact: true }).inputValue(), 'platform');
      assert.equal(await page.locator('tr[data-mapping-row]').count(), 1);
      await shot(alice, 'sso');
      const config = (await (await page.request.get(`${consoleUrl}/console/api/orgs/${ORG}/settings/sso`)).json()) as { enabled: boolean; teamMappings: unknown[]; updatedBy: string; idpMetadataXml?: string };
      assert.deepEqual([config.enabled, config.teamMappings, config.updatedBy], [true, [{ group: 'platform-engineers', team: 'platform' }], 'alice']);
      assert.equal(config.idpMetadataXml?.trim(), idp.metadataXml.trim(), 'saves without new metadata kept the uploaded metadata');
      // The change is in the audit log, by alice.
      const audit = await rest.ok<AuditLogEventsResponse>('GET', `/api/orgs/${ORG}/auditlogs/v2?eventFilter=saml_configuration_changed`, started.suite.adminToken);
      assert.ok(audit.auditLogEvents.some((e) => e.user.githubLogin === 'alice'), JSON.stringify(audit.auditLogEvents));
      // The test sign-ins went to the organization's IdP, as a sign-in does; nothing else left the console.
      const elsewhere = alice.requests.filter((url) => !url.startsWith(`${consoleUrl}/`) && !url.startsWith(`${idp.baseUrl}/`));
      assert.deepEqual(elsewhere, [], 'the settings page talked only to the console (and the test sign-in to the IdP)');
      await alice.context.close();

      // The configured SSO signs dana in through SimpleSAMLphp; her group's team reads ledger only.
      const recorded = await chromium.newPage();
      const dana = recorded.page;
      await dana.goto(`${consoleUrl}/console/`);
      await dana.waitForURL(/\/login\?next=%2Fconsole%2F/);
      await dana.getByRole('link', { name: `Sign in with ${ORG} SSO` }).click();
      await dana.waitForURL((url) => url.origin === idp.baseUrl);
      await dana.locator('input[name="username"]').fill(DANA.username);
      await dana.locator('input[name="password"]').fill(DANA.password);
      await dana.locator('input[name="password"]').press('Enter');
      await dana.waitForURL(`${consoleUrl}/console/`, { timeout: 30_000 });
      await dana.locator('main[data-ready="/console/"]').waitFor();
      const rows = await Promise.all((await dana.locator('tr[data-stack]').all()).map((tr) => tr.getAttribute('data-stack')));
      assert.deepEqual(rows, [`${ORG}/${PROJECT}/ledger`]);
      // A member is no admin: the SSO settings are refused to her.
      const forbidden = await dana.request.get(`${consoleUrl}/console/api/orgs/${ORG}/settings/sso`);
      assert.equal(forbidden.status(), 403);
      assert.deepEqual(Object.keys((await forbidden.json()) as object).sort(), ['code', 'message']);
      await recorded.context.close();
    });
  });
}
