import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { StackTeamGrantsResponse } from '@stackyard/shared-contracts';
import { type ChromiumPeer, PulumiCli, type RecordedPage } from '@stackyard/testing';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram, startProgram } from '../support/program';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { assertOnlyOwnOrigin as assertOwnOrigin, CONSOLE_ARTIFACTS, directoryForFile, signInWithPassword, startConsoleSuite } from './support/console-browser';

/**
 * Issue 8, administration in the console, in Debian's Chromium against the real services: an
 * organization admin (an LDAP user) manages a team in the console and the real CLI of a team
 * member feels each change; the audit log page filters and exports through the console; a stack's
 * settings tab changes tags and team access and explains the person's own access; the resources
 * tab shows the tree with secrets masked. The browser only ever talks to the console's origin.
 */

const ORG = 'stackyard';
const PROJECT = 'teams';
const ARTIFACTS = CONSOLE_ARTIFACTS;
const SECRET_CONFIG = 'not-a-real-password';

const directory = directoryForFile();

for (const mode of selectedModes()) {
  void describe(`administration in the web console in Chromium — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    let chromium: ChromiumPeer | undefined;
    let rest: RestClient;
    let consoleOrigin: string;
    let carolCli: PulumiCli;
    let generation = 1;
    const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;
    const admin = () => started.suite.adminToken;
    const shot = async (page: RecordedPage, name: string) => {
      await page.page.screenshot({ path: join(ARTIFACTS, `${mode}-${name}.png`), fullPage: true });
    };
    const signIn = (username: string, password: string, size?: { width: number; height: number }): Promise<RecordedPage> => signInWithPassword(chromium!, consoleOrigin, username, password, size);
    const assertOnlyOwnOrigin = (recorded: RecordedPage) => assertOwnOrigin(recorded, consoleOrigin);
    /** carol's real `pulumi up` on the shared stack (the Automation API runs the CLI). */
    const carolUp = async () => {
      generation += 1;
      const running = startProgram(carolCli, { op: 'up', projectName: PROJECT, stackName: ref('shared'), program: { resources: 2, generation } });
      const result = await running.result;
      return { ok: result.ok, output: `${result.ok ? '' : result.error}\n${running.output()}` };
    };

    before(async () => {
      let binary: string;
      ({ binary, started, chromium, consoleOrigin } = await startConsoleSuite(mode, directory(), ORG));
      rest = new RestClient(started.suite.apiUrl);
      // Both exist once they have signed in (here through `pulumi login`); carol keeps her CLI token.
      await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.alice.username, directory().users.alice.password);
      const carolToken = await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.carol.username, directory().users.carol.password);
      const projectDir = sharedProjectDir(PROJECT);
      const adminCli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: admin(), cwd: projectDir });
      await adminCli.login(started.suite.apiUrl);
      carolCli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: carolToken, cwd: projectDir });
      await carolCli.login(started.suite.apiUrl);
      await initStack(adminCli, ref('shared'));
      await adminCli.ok(['stack', 'tag', 'set', 'env', 'production', '--stack', ref('shared')]);
      await runProgram(adminCli, { op: 'up', projectName: PROJECT, stackName: ref('shared'), program: { resources: 2, generation } });
      // Members see no stack by default; carol reads `shared` through the readers team. The
      // bootstrap admin has no directory password, so alice (LDAP) is made an organization admin.
      await rest.ok('PATCH', `/api/orgs/${ORG}`, admin(), { setDefaultStackPermission: 0 });
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin(), { role: 'admin' });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin(), { organization: ORG, name: 'readers', displayName: 'Readers', description: 'may look' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/readers`, admin(), { memberAction: 'add', member: 'carol' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/readers`, admin(), { addStackPermission: { projectName: PROJECT, stackName: 'shared', permission: 101 } });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
    });

    void it("an admin creates a team, adds a member and gives it Write on a stack; the member's CLI can then update it until the admin takes the grant away", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'Teams' }).click();
      await page.locator(`main[data-ready="/console/orgs/${ORG}/teams"]`).waitFor();
      assert.equal(await page.locator('tr[data-team="readers"]').count(), 1);
      // Created with the keyboard only: labelled fields, Tab between them, Enter submits.
      await page.getByLabel('Team name').focus();
      await page.keyboard.type('deployers');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Deployers');
      await page.keyboard.press('Tab');
      await page.keyboard.type('ship to production');
      await page.keyboard.press('Enter');
      await page.locator(`main[data-ready="/console/orgs/${ORG}/teams/deployers"]`).waitFor();
      assert.equal(await page.locator('h1').textContent(), 'Deployers');
      await page.getByLabel('Member', { exact: true }).selectOption('carol');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.locator('tr[data-member="carol"]').waitFor();
      assert.match((await page.locator('#notice').textContent()) ?? '', /Added carol/);
      await page.getByLabel('Stack', { exact: true }).selectOption(`${PROJECT}/shared`);
      await page.getByLabel('Permission', { exact: true }).selectOption('102');
      await page.getByRole('button', { name: 'Give access' }).click();
      await page.locator(`tr[data-grant="${PROJECT}/shared"]`).waitFor();
      assert.equal(await page.getByLabel(`Permission on ${PROJECT}/shared`).inputValue(), '102');
      await shot(alice, 'team');

      // carol's real CLI: Write through the new team lets her update the stack.
      const allowed = await carolUp();
      assert.ok(allowed.ok, allowed.output.slice(-4000));

      await page.getByRole('button', { name: `Remove access to ${PROJECT}/shared` }).click();
      await page.locator(`tr[data-grant="${PROJECT}/shared"]`).waitFor({ state: 'detached' });
      assert.match((await page.locator('#notice').textContent()) ?? '', /no longer has access/);
      // Back to Read (the readers team): her next update is refused with the permission error.
      const refused = await carolUp();
      assert.equal(refused.ok, false, 'the update must be refused once the grant is gone');
      assert.match(refused.output, /\[403\] Forbidden: you have Read access to stack 'stackyard\/teams\/shared'; changing the stack \(updates, imports, tags, encryption, cancellation\) requires Write/);
      // The api agrees: carol is a member, and the team has no stack left.
      const team = await rest.ok<{ members: Array<{ githubLogin: string }>; stacks: unknown[] }>('GET', `/api/orgs/${ORG}/teams/deployers`, admin());
      assert.ok(team.members.some((m) => m.githubLogin === 'carol'));
      assert.deepEqual(team.stacks, []);
      await page.getByRole('button', { name: 'Remove carol from the team' }).click();
      await page.locator('tr[data-member="carol"]').waitFor({ state: 'detached' });
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it('shows the audit log filtered by event, and exports it as a gzip CSV through the console', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.locator(`main[data-ready="/console/orgs/${ORG}/audit-log"]`).waitFor();
      assert.ok((await page.locator('tr[data-event]').count()) > 3, 'the unfiltered log lists events');
      await page.getByLabel('Event').fill('team_stack_permission_removed');
      await page.getByRole('button', { name: 'Filter' }).click();
      // The filtered page, not the unfiltered table still on screen while it loads.
      await page.locator(`main[data-ready="/console/orgs/${ORG}/audit-log"][data-ready-search="?event=team_stack_permission_removed"]`).waitFor();
      const events = await Promise.all((await page.locator('tr[data-event]').all()).map((tr) => tr.getAttribute('data-event')));
      assert.deepEqual(events, ['team_stack_permission_removed']);
      const row = (await page.locator('tr[data-event]').textContent()) ?? '';
      assert.match(row, /alice/);
      assert.match(row, /deployers/);
      await shot(alice, 'audit-log');
      // The user filter: carol changed nothing in the organization's access.
      await page.getByLabel('User').fill('carol');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator(`main[data-ready-search="?event=team_stack_permission_removed&user=carol"]`).waitFor();
      await page.getByText('No events match.').waitFor();

      await page.getByLabel('User').fill('');
      await page.getByLabel('Event').fill('team_created');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator(`main[data-ready-search="?event=team_created"]`).waitFor();
      assert.ok((await page.locator('tr[data-event="team_created"]').count()) > 0, 'the filtered log lists team_created');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
      assert.match(download.suggestedFilename(), /\.csv\.gz$/);
      const file = readFileSync(await download.path());
      assert.deepEqual([...file.subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');
      const csv = gunzipSync(file).toString('utf8');
      const lines = csv.trim().split('\n');
      assert.ok(lines.length >= 3, csv);
      assert.ok(lines.slice(1).every((line) => line.includes('team_created')), csv);
      assert.ok(lines.some((line) => line.includes('deployers')), csv);
      const cef = await page.request.get(`${consoleOrigin}/console/api/orgs/${ORG}/auditlogs/export?format=cef&event=team_created`);
      assert.equal(cef.status(), 200);
      assert.match(gunzipSync(await cef.body()).toString('utf8'), /^CEF:/m);
      // Bad filters are a clear 400 from the console, and a member who is no admin is refused.
      const bad = await page.request.get(`${consoleOrigin}/console/api/orgs/${ORG}/auditlogs?event=%3Cscript%3E`);
      assert.equal(bad.status(), 400);
      assert.deepEqual(Object.keys((await bad.json()) as object).sort(), ['code', 'message']);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();

      // At phone width the admin pages need no horizontal scrolling.
      const phone = await signIn(directory().users.alice.username, directory().users.alice.password, { width: 390, height: 844 });
      for (const path of [`/console/orgs/${ORG}/audit-log`, `/console/orgs/${ORG}/teams/deployers`, `/console/stacks/${ORG}/${PROJECT}/shared/settings`]) {
        await phone.page.goto(`${consoleOrigin}${path}`);
        await phone.page.locator(`main[data-ready="${path}"]`).waitFor();
        const width = await phone.page.evaluate<number>('document.documentElement.scrollWidth');
        assert.ok(width <= 390, `${path}: no horizontal scrolling at phone width (content is ${width} px wide)`);
      }
      await shot(phone, 'stack-settings-phone');
      await phone.context.close();

      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      assert.equal(await carol.page.getByRole('link', { name: 'Audit log' }).count(), 0, 'no admin pages offered to a member');
      const refused = await carol.page.request.get(`${consoleOrigin}/console/api/orgs/${ORG}/auditlogs`);
      assert.equal(refused.status(), 403, await refused.text());
      await carol.context.close();
    });

    void it("changes a stack's tags and team access in its settings tab, and explains each person's access", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared`);
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/shared/settings"]`).waitFor();
      assert.equal(await page.locator('tr[data-tag="env"]').count(), 1);
      await page.getByLabel('Tag name').fill('owner');
      await page.getByLabel('Tag value').fill('platform');
      await page.getByRole('button', { name: 'Add tag' }).click();
      await page.locator('tr[data-tag="owner"]').waitFor();
      await page.getByRole('button', { name: 'Remove tag env' }).click();
      await page.locator('tr[data-tag="env"]').waitFor({ state: 'detached' });
      const stack = await rest.ok<{ tags: Record<string, string> }>('GET', `/api/stacks/${ORG}/${PROJECT}/shared`, admin());
      assert.equal(stack.tags['owner'], 'platform');
      assert.equal(stack.tags['env'], undefined);

      // Access by team: readers has Read; give deployers Admin, lower it to Write, then take it away.
      assert.equal(await page.getByLabel('Access for team readers').inputValue(), '101');
      await page.getByLabel('Team', { exact: true }).selectOption('deployers');
      await page.getByLabel('Permission', { exact: true }).selectOption('103');
      await page.getByRole('button', { name: 'Give access' }).click();
      await page.locator('tr[data-team="deployers"]').waitFor();
      await page.getByLabel('Access for team deployers').selectOption('102');
      await page.locator('#notice', { hasText: 'Team deployers now has Write' }).waitFor();
      const teams = () => rest.ok<StackTeamGrantsResponse>('GET', `/api/stacks/${ORG}/${PROJECT}/shared/teams`, admin());
      assert.deepEqual((await teams()).teams.map((t) => [t.name, t.permission]).sort(), [['deployers', 102], ['readers', 101]]);
      assert.match((await page.locator('#my-permission').textContent()) ?? '', /have Admin/);
      assert.match((await page.locator('ul.reasons').textContent()) ?? '', /administrator of stackyard/);
      await shot(alice, 'stack-settings');
      await page.getByRole('button', { name: 'Remove access of team deployers' }).click();
      await page.locator('tr[data-team="deployers"]').waitFor({ state: 'detached' });
      assert.deepEqual((await teams()).teams.map((t) => t.name), ['readers']);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();

      // carol may read only: the tab explains why, and offers no changes.
      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      await carol.page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared/settings`);
      await carol.page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/shared/settings"]`).waitFor();
      assert.match((await carol.page.locator('#my-permission').textContent()) ?? '', /carol\) have Read/);
      assert.match((await carol.page.locator('ul.reasons').textContent()) ?? '', /Read on this stack, through team readers/);
      assert.equal(await carol.page.getByRole('button', { name: 'Add tag' }).count(), 0);
      assert.equal(await carol.page.getByRole('button', { name: 'Give access' }).count(), 0);
      assert.match((await carol.page.locator('tr[data-action="stack:update"]').textContent()) ?? '', /no/);
      await shot(carol, 'stack-settings-reader');
      const session = (await (await carol.page.request.get(`${consoleOrigin}/console/api/session`)).json()) as { csrfToken: string };
      const refused = await carol.page.request.put(`${consoleOrigin}/console/api/stacks/${ORG}/${PROJECT}/shared/teams/readers`, { headers: { 'x-csrf-token': session.csrfToken }, data: { permission: 103 } });
      assert.equal(refused.status(), 403, await refused.text());
      assertOnlyOwnOrigin(carol);
      await carol.context.close();
    });

    void it('shows the resources as a tree by parent with type, provider and properties, secrets masked', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared`);
      await page.getByRole('link', { name: 'Resources' }).click();
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/shared/resources"]`).waitFor();
      // The stack resource is a root (default providers may be roots too), its resources under it.
      const root = page.locator('ul.tree.root > li', { has: page.locator(':scope > details > summary', { hasText: 'pulumi:pulumi:Stack' }) });
      assert.equal(await root.count(), 1);
      assert.ok((await root.locator('ul.tree li').count()) >= 2, 'the stack resource has children');
      // Keyboard: a resource opens with Enter on its summary.
      await root.locator('summary').first().focus();
      await page.keyboard.press('Enter');
      assert.equal(await root.locator('details').first().getAttribute('open'), '');
      assert.match((await root.locator('pre.outputs').first().textContent()) ?? '', /\[secret\]/);
      assert.doesNotMatch(await page.content(), new RegExp(SECRET_CONFIG), 'no secret reaches the page');
      await shot(alice, 'stack-resources');
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });
  });
}
