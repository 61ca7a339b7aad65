import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChromiumPeer, PulumiCli, type RecordedPage, tempDir } from '@stackyard/testing';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram } from '../support/program';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { assertOnlyOwnOrigin as assertOwnOrigin, CONSOLE_ARTIFACTS, directoryForFile, signInWithPassword, startConsoleSuite } from './support/console-browser';

/**
 * Issue 8, organization settings → access tokens: an organization admin creates an organization
 * token and a team token in Debian's Chromium, each value shown once; the real CLI works with each
 * (the team token within its team's grants only); revoking either in the console stops the CLI.
 * A member who is no admin is refused, and a malformed request is a clear 400.
 */

const ORG = 'stackyard';
const PROJECT = 'tokens';
const ARTIFACTS = CONSOLE_ARTIFACTS;

const directory = directoryForFile();

for (const mode of selectedModes()) {
  void describe(`organization and team access tokens in the web console — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let chromium: ChromiumPeer | undefined;
    let consoleOrigin: string;
    let binary: string;
    const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;

    const signIn = (username: string, password: string, size?: { width: number; height: number }): Promise<RecordedPage> => signInWithPassword(chromium!, consoleOrigin, username, password, size);
    const cliWith = async (token: string): Promise<PulumiCli> => {
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-console-machine-token') });
      await cli.login(started.suite.apiUrl);
      return cli;
    };
    /** The api may trust a resolved token for up to 5 s (docs/architecture.md); listing stacks always asks it. */
    const refusedSoon = async (cli: PulumiCli, args: string[]) => {
      let result = await cli.run(args);
      for (let i = 0; i < 40 && result.code === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        result = await cli.run(args);
      }
      return result;
    };
    const assertOnlyOwnOrigin = (recorded: RecordedPage) => assertOwnOrigin(recorded, consoleOrigin);

    before(async () => {
      ({ binary, started, chromium, consoleOrigin } = await startConsoleSuite(mode, directory(), ORG));
      const rest = new RestClient(started.suite.apiUrl);
      const admin = started.suite.adminToken;
      await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.alice.username, directory().users.alice.password);
      await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.carol.username, directory().users.carol.password);
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: admin, cwd: sharedProjectDir(PROJECT) });
      await cli.login(started.suite.apiUrl);
      for (const stack of ['granted', 'other']) {
        await initStack(cli, ref(stack));
        const result = await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: ref(stack), program: { resources: 1, generation: 1 } });
        assert.ok(result.ok, result.ok ? '' : result.error);
      }
      await rest.ok('PATCH', `/api/orgs/${ORG}`, admin, { setDefaultStackPermission: 0 });
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin, { role: 'admin' });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin, { organization: ORG, name: 'deployers', displayName: 'Deployers', description: 'ship granted' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/deployers`, admin, { addStackPermission: { projectName: PROJECT, stackName: 'granted', permission: 102 } });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
    });

    void it('creates an organization token shown once that works with the CLI, and revoking it in the console stops the CLI', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'Organization tokens' }).click();
      await page.locator(`main[data-ready="/console/orgs/${ORG}/tokens"]`).waitFor();
      await page.getByLabel('Name').fill('release-pipeline');
      await page.getByLabel('Description').fill('the release pipeline');
      await page.getByLabel('Expires').selectOption({ label: '30 days' });
      await page.getByLabel('Organization admin').check();
      await page.getByRole('button', { name: 'Create token' }).click();
      const value = (await page.locator('#org-tokens-new-value').textContent({ timeout: 15_000 })) ?? '';
      assert.match(value, /^pul-[0-9a-f]{40}$/);
      const row = page.locator('tr[data-token-name="release-pipeline"]');
      assert.match((await row.textContent()) ?? '', /the release pipeline.*admin.*alice/);
      assert.doesNotMatch((await row.textContent()) ?? '', /never$/, 'it expires');
      await page.screenshot({ path: join(ARTIFACTS, `${mode}-org-tokens.png`), fullPage: true });

      // An admin organization token sees every stack of the organization (members see none here).
      const cli = await cliWith(value);
      const listed = (await cli.ok(['stack', 'ls', '--all'])).stdout;
      assert.match(listed, /granted/);
      assert.match(listed, /other/);

      // Shown once: a fresh visit lists the token, not its value.
      await page.reload();
      await page.locator('tr[data-token-name="release-pipeline"]').waitFor();
      assert.ok(!(await page.content()).includes(value), 'the value is not shown again');
      await page.getByRole('button', { name: 'Revoke release-pipeline' }).click();
      await page.locator('tr[data-token-name="release-pipeline"]').waitFor({ state: 'detached' });
      const refused = await refusedSoon(cli, ['stack', 'ls', '--all']);
      assert.notEqual(refused.code, 0, 'a revoked token must stop working');
      assert.match(refused.stderr, /401|log(ging)? in|unauthorized/i);

      // Names follow the api's rules, and its reason is shown on the page (past the form's own limit).
      await page.evaluate(`document.getElementById('org-tokens-name').removeAttribute('maxlength')`);
      await page.getByLabel('Name').fill('x'.repeat(41));
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.locator('#org-tokens-problems [role="alert"]').waitFor();
      assert.match((await page.locator('#org-tokens-problems').textContent()) ?? '', /name must be 1–40/);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it("creates a team token on the team's page that acts within the team's grants, and revoking it stops the CLI", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.goto(`${consoleOrigin}/console/orgs/${ORG}/teams/deployers`);
      await page.locator(`main[data-ready="/console/orgs/${ORG}/teams/deployers"]`).waitFor();
      await page.getByLabel('Name').fill('deploy-bot');
      await page.getByRole('button', { name: 'Create token' }).click();
      const value = (await page.locator('#team-tokens-new-value').textContent({ timeout: 15_000 })) ?? '';
      assert.match(value, /^pul-[0-9a-f]{40}$/);
      assert.equal(await page.getByLabel('Organization admin').count(), 0, 'team tokens cannot be organization admins');
      await page.screenshot({ path: join(ARTIFACTS, `${mode}-team-tokens.png`), fullPage: true });

      const cli = await cliWith(value);
      const listed = (await cli.ok(['stack', 'ls', '--all'])).stdout;
      assert.match(listed, /granted/);
      assert.doesNotMatch(listed, /other/, 'a team token sees only what its team was given');
      assert.match((await cli.ok(['stack', 'export', '--stack', ref('granted')])).stdout, /"deployment"/);

      await page.getByRole('button', { name: 'Revoke deploy-bot' }).click();
      await page.locator('tr[data-token-name="deploy-bot"]').waitFor({ state: 'detached' });
      const refused = await refusedSoon(cli, ['stack', 'ls', '--all']);
      assert.notEqual(refused.code, 0, 'a revoked team token must stop working');
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it('refuses a member who is no admin, and answers malformed requests with a clear 400', async () => {
      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      assert.equal(await carol.page.getByRole('link', { name: 'Organization tokens' }).count(), 0, 'no admin pages offered to a member');
      const refused = await carol.page.request.get(`${consoleOrigin}/console/api/orgs/${ORG}/tokens`);
      assert.equal(refused.status(), 403, await refused.text());
      assert.deepEqual(Object.keys((await refused.json()) as object).sort(), ['code', 'message']);
      await carol.context.close();

      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const session = (await (await alice.page.request.get(`${consoleOrigin}/console/api/session`)).json()) as { csrfToken: string };
      const headers = { 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' };
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'ci', expiresInDays: 12 }, /expiresInDays must be one of/],
        [{ name: 'ci', admin: 'yes' }, /admin must be true or false/],
        [['ci'], /JSON object/],
      ];
      for (const [body, message] of cases) {
        const bad = await alice.page.request.post(`${consoleOrigin}/console/api/orgs/${ORG}/tokens`, { headers, data: JSON.stringify(body) });
        assert.equal(bad.status(), 400, await bad.text());
        const answer = (await bad.json()) as { code: number; message: string };
        assert.equal(answer.code, 400);
        assert.match(answer.message, message);
      }
      const teamAdmin = await alice.page.request.post(`${consoleOrigin}/console/api/orgs/${ORG}/teams/deployers/tokens`, { headers, data: JSON.stringify({ name: 'x', admin: true }) });
      assert.equal(teamAdmin.status(), 400);
      const badId = await alice.page.request.delete(`${consoleOrigin}/console/api/orgs/${ORG}/tokens/not%20an%20id`, { headers });
      assert.equal(badId.status(), 400);
      // Without the session's CSRF token nothing is created.
      const forged = await alice.page.request.post(`${consoleOrigin}/console/api/orgs/${ORG}/tokens`, { headers: { 'content-type': 'application/json' }, data: JSON.stringify({ name: 'forged' }) });
      assert.equal(forged.status(), 403);
      await alice.context.close();
    });
  });
}
