import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { identityOrgSamlPath, type SamlConfigResponse } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { type ChromiumPeer, freePort, PulumiCli, type SimpleSamlPhpPeer, startChromium, startSimpleSamlPhp } from '@stackyard/testing';
import { trustInstallationCa } from '../support/cli-browser-login';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';

/**
 * Issue 8, first slice: a person signs in to the web console through their organization's SAML IdP
 * (SimpleSAMLphp) in Debian's Chromium, and sees exactly the stacks their IdP group's team may
 * read. The browser talks only to the console and the IdP.
 */

const ORG = 'acme';
const PROJECT = 'payments';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'console');
const CAROL = { username: 'carol', password: 'carol-password', mail: 'carol@acme.test', displayName: 'Carol Example', groups: ['platform-engineers'] };

for (const mode of selectedModes()) {
  void describe(`web console sign-in through SAML in Chromium — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let idp: SimpleSamlPhpPeer;
    let chromium: ChromiumPeer;
    let consoleUrl: string;
    const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      // The SP lives on the console host, and the IdP must know it before the suite starts.
      const consolePort = await freePort();
      consoleUrl = `https://127.0.0.1:${consolePort}`;
      let binary: string;
      [binary, idp] = await Promise.all([PulumiCli.binaryPath(), startSimpleSamlPhp({ sp: { entityId: `${consoleUrl}/saml/${ORG}`, acsUrl: `${consoleUrl}/saml/${ORG}/acs` }, users: [CAROL] })]);
      started = await startSuiteInMode(mode, { org: ORG, ports: { consoleBackend: consolePort } });
      trustInstallationCa(started.suite.caFile);
      chromium = await startChromium({ serverCertificates: [readFileSync(started.suite.pki.publicCertFile, 'utf8')] });
      const { pki } = started.suite;
      const operator = new InternalClient({ baseUrl: started.suite.services.identity.url, expectService: 'identity', caFile: pki.caFile, certFile: pki.services['console-backend'].certFile, keyFile: pki.services['console-backend'].keyFile });
      try {
        await operator.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml, teamMappings: [{ group: 'platform-engineers', team: 'platform' }] });
      } finally {
        operator.close();
      }
      const admin = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: sharedProjectDir(PROJECT) });
      await admin.login(started.suite.apiUrl);
      await initStack(admin, ref('ledger'));
      await initStack(admin, ref('vault'));
      // Members see nothing by default; the `platform` team (the IdP's platform-engineers) reads `ledger`.
      const rest = new RestClient(started.suite.apiUrl);
      const token = started.suite.adminToken;
      await rest.ok('PATCH', `/api/orgs/${ORG}`, token, { setDefaultStackPermission: 0 });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, token, { organization: ORG, name: 'platform', displayName: 'Platform', description: 'from the IdP' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/platform`, token, { addStackPermission: { projectName: PROJECT, stackName: 'ledger', permission: 101 } });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
      await idp?.stop();
    });

    void it("signs in through the organization's IdP and lists exactly the stacks the IdP group's team may read", async () => {
      const recorded = await chromium.newPage();
      const { page } = recorded;
      await page.goto(`${consoleUrl}/console/`);
      await page.waitForURL(/\/login\?next=%2Fconsole%2F/);
      await page.getByRole('link', { name: `Sign in with ${ORG} SSO` }).click();
      // SimpleSAMLphp's own login page, on the IdP's origin.
      await page.waitForURL((url) => url.origin === idp.baseUrl);
      await page.locator('input[name="username"]').fill(CAROL.username);
      await page.locator('input[name="password"]').fill(CAROL.password);
      await page.locator('input[name="password"]').press('Enter');
      // The IdP's page posts the assertion to the console, which sends the browser back to the console.
      await page.waitForURL(`${consoleUrl}/console/`, { timeout: 30_000 });
      await page.locator('main[data-ready="/console/"]').waitFor();
      const rows = await Promise.all((await page.locator('tr[data-stack]').all()).map((tr) => tr.getAttribute('data-stack')));
      assert.deepEqual(rows, [ref('ledger')]);
      assert.equal(await page.locator('#signed-in-as').textContent(), 'carol ');
      await page.screenshot({ path: join(ARTIFACTS, `${mode}-saml-stacks.png`), fullPage: true });
      const elsewhere = recorded.requests.filter((url) => !url.startsWith(`${consoleUrl}/`) && !url.startsWith(`${idp.baseUrl}/`));
      assert.deepEqual(elsewhere, [], 'the browser talked only to the console and the IdP');
      assert.ok(recorded.requests.some((url) => url.startsWith(`${idp.baseUrl}/`)), 'the sign-in went through the IdP');
      await recorded.context.close();
    });
  });
}
