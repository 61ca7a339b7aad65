import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ListOrganizationMembersResponse, ListRolesResponse, ServiceUser } from '@stackyard/shared-contracts';
import { type ChromiumPeer, PulumiCli, type RecordedPage } from '@stackyard/testing';
import { directoryUserToken } from '../support/directory-sign-in';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { assertOnlyOwnOrigin as assertOwnOrigin, CONSOLE_ARTIFACTS, directoryForFile, signInWithPassword, startConsoleSuite } from './support/console-browser';

/**
 * Issue 8, organization settings in Debian's Chromium against the real services: an organization
 * admin (alice, LDAP) creates a custom role from the api's permissions, gives carol the admin role,
 * the custom role and back, and finally removes her from the organization. Each change is checked
 * through the api's own Pulumi routes, in carol's console (admin pages or not) and with carol's
 * real CLI (her access ends when she is removed).
 */

const ORG = 'stackyard';
const PROJECT = 'settings';
const ARTIFACTS = CONSOLE_ARTIFACTS;

const directory = directoryForFile();

for (const mode of selectedModes()) {
  void describe(`organization settings in the web console in Chromium — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    let chromium: ChromiumPeer | undefined;
    let rest: RestClient;
    let consoleOrigin: string;
    let carolToken: string;
    let carolCli: PulumiCli;
    const stackRef = `${ORG}/${PROJECT}/shared`;
    const admin = () => started.suite.adminToken;
    const shot = async (page: RecordedPage, name: string) => {
      await page.page.screenshot({ path: join(ARTIFACTS, `${mode}-${name}.png`), fullPage: true });
    };
    const assertOnlyOwnOrigin = (recorded: RecordedPage) => assertOwnOrigin(recorded, consoleOrigin);
    const signIn = (username: string, password: string): Promise<RecordedPage> => signInWithPassword(chromium!, consoleOrigin, username, password);
    const memberOf = async (login: string) => {
      const listed = await rest.ok<ListOrganizationMembersResponse>('GET', `/api/orgs/${ORG}/members`, admin());
      return listed.members.find((m) => m.user.githubLogin === login);
    };
    const openPage = async (page: RecordedPage['page'], link: string, path: string) => {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.locator(`main[data-ready="${path}"]`).waitFor();
    };
    const membersPath = `/console/orgs/${ORG}/members`;
    const rolesPath = `/console/orgs/${ORG}/roles`;
    /** After a change the page is drawn again with a notice: wait for the new drawing, not the old one. */
    const changed = async (page: RecordedPage['page'], path: string, notice: RegExp) => {
      await page.locator(`main[data-ready="${path}"] #notice`, { hasText: notice }).waitFor();
    };

    /** A console JSON request from the signed-in page itself (its cookie and CSRF token), as the SPA sends one. */
    const consoleFetch = (page: RecordedPage['page'], method: string, path: string, body: unknown) =>
      page.evaluate(
        async ([m, p, b]) => {
          const session = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
          const res = await fetch(p, { method: m, headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify(b) });
          return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
        },
        [method, path, body] as const,
      );

    before(async () => {
      let binary: string;
      ({ binary, started, chromium, consoleOrigin } = await startConsoleSuite(mode, directory(), ORG));
      rest = new RestClient(started.suite.apiUrl);
      await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.alice.username, directory().users.alice.password);
      carolToken = await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.carol.username, directory().users.carol.password);
      const projectDir = sharedProjectDir(PROJECT);
      const adminCli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: admin(), cwd: projectDir });
      await adminCli.login(started.suite.apiUrl);
      carolCli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: carolToken, cwd: projectDir });
      await carolCli.login(started.suite.apiUrl);
      await initStack(adminCli, stackRef);
      // The bootstrap admin has no directory password: alice (LDAP) is made the organization admin who uses the console.
      await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin(), { role: 'admin' });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
    });

    void it('an admin creates a custom role from the api\'s permissions on the roles page; the api has it', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await openPage(page, 'Roles', rolesPath);
      // The built-in roles are listed with what they permit.
      for (const builtIn of ['admin', 'member']) assert.equal(await page.locator(`tr[data-role="${builtIn}"]`).count(), 1, builtIn);
      assert.match((await page.locator('tr[data-role="member"]').textContent()) ?? '', /built-in/);
      await page.getByLabel('Role name').fill('auditors');
      await page.getByLabel('Description', { exact: true }).fill('read stacks and the organization');
      await page.getByLabel('stack:read', { exact: true }).first().check();
      await page.getByLabel('organization:read', { exact: true }).first().check();
      await page.getByRole('button', { name: 'Create role' }).click();
      await changed(page, rolesPath, /Created the role auditors/);
      const row = (await page.locator('tr[data-role="auditors"]').textContent()) ?? '';
      assert.match(row, /custom/);
      assert.match(row, /stack:read/);
      assert.match(row, /organization:read/);
      await shot(alice, 'roles');
      const roles = await rest.ok<ListRolesResponse>('GET', `/api/orgs/${ORG}/roles?uxPurpose=role`, admin());
      const auditors = roles.roles.find((r) => r.name === 'auditors');
      assert.ok(auditors, 'the api lists the new role');
      assert.equal(auditors.description, 'read stacks and the organization');
      assert.deepEqual([...auditors.scopes].sort(), ['organization:read', 'stack:read']);

      // A role without permissions is refused in the page, and a bad name by the console with a clear 400.
      await page.getByLabel('Role name').fill('empty');
      await page.getByRole('button', { name: 'Create role' }).click();
      await page.locator('#roles-problems [role="alert"]').getByText('choose at least one permission').waitFor();
      const bad = await consoleFetch(page, 'POST', `/console/api/orgs/${ORG}/settings/roles`, { name: 'bad name', permissions: ['stack:read'] });
      assert.equal(bad.status, 400);
      assert.deepEqual(Object.keys(bad.body).sort(), ['code', 'message']);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it("an admin changes carol's role; the api and carol's own console follow each change", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await openPage(page, 'Members', membersPath);
      for (const login of ['alice', 'carol']) assert.equal(await page.locator(`tr[data-member="${login}"]`).count(), 1, login);
      assert.equal(await page.getByLabel('Role of carol').locator('option:checked').textContent(), 'member');
      assert.equal(await page.getByLabel('Role of alice').locator('option:checked').textContent(), 'admin');
      await shot(alice, 'members');

      await page.getByLabel('Role of carol').selectOption({ label: 'admin' });
      await changed(page, membersPath, /carol is now admin/);
      assert.equal((await memberOf('carol'))?.role, 'admin', 'the api reports carol as an admin');
      // carol signs in and now has the organization's admin pages.
      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      await openPage(carol.page, 'Members', membersPath);
      assert.equal(await carol.page.locator('tr[data-member="alice"]').count(), 1);
      await carol.context.close();

      await page.getByLabel('Role of carol').selectOption({ label: 'auditors (custom)' });
      await changed(page, membersPath, /carol is now auditors/);
      const custom = await memberOf('carol');
      assert.equal(custom?.fgaRole.name, 'auditors', 'the api reports the custom role');
      assert.equal(custom?.role, 'member');

      await page.getByLabel('Role of carol').selectOption({ label: 'member' });
      await changed(page, membersPath, /carol is now member/);
      assert.equal((await memberOf('carol'))?.role, 'member');
      // Back to member: no admin pages in carol's console, and the console refuses her their JSON.
      const again = await signIn(directory().users.carol.username, directory().users.carol.password);
      assert.equal(await again.page.getByRole('link', { name: 'Members', exact: true }).count(), 0);
      const refused = await consoleFetch(again.page, 'PATCH', `/console/api/orgs/${ORG}/settings/members/alice`, { roleId: custom.fgaRole.id });
      assert.equal(refused.status, 403, `a member may not change roles: ${JSON.stringify(refused.body)}`);
      assert.deepEqual(Object.keys(refused.body).sort(), ['code', 'message']);
      assert.equal((await memberOf('alice'))?.role, 'admin');
      await again.context.close();
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it('an admin deletes the custom role on the roles page; the api no longer has it', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await openPage(page, 'Roles', rolesPath);
      await page.getByRole('button', { name: 'Delete the role auditors' }).click();
      await changed(page, rolesPath, /Deleted the role auditors/);
      assert.equal(await page.locator('tr[data-role="auditors"]').count(), 0);
      const roles = await rest.ok<ListRolesResponse>('GET', `/api/orgs/${ORG}/roles?uxPurpose=role`, admin());
      assert.equal(roles.roles.some((r) => r.name === 'auditors'), false);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it("an admin removes carol after confirming; carol's CLI loses the organization's stacks", async () => {
      // Members read the organization's stacks by default: carol's CLI reads the stack's history.
      const before = await carolCli.run(['stack', 'history', '--stack', stackRef, '--json']);
      assert.equal(before.code, 0, before.stderr);
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await openPage(page, 'Members', membersPath);
      await page.getByRole('button', { name: 'Remove carol from the organization' }).click();
      // Nothing happens before the confirmation; Cancel leaves carol in place.
      await page.getByRole('alertdialog').getByText(`Remove carol from ${ORG}?`).waitFor();
      await shot(alice, 'members-remove-confirm');
      await page.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await page.getByRole('alertdialog').count(), 0);
      assert.ok(await memberOf('carol'), 'cancelled: carol is still a member');
      await page.getByRole('button', { name: 'Remove carol from the organization' }).click();
      await page.getByRole('button', { name: 'Yes, remove carol' }).click();
      await changed(page, membersPath, /Removed carol from stackyard/);
      assert.equal(await page.locator('tr[data-member="carol"]').count(), 0);
      assert.equal(await memberOf('carol'), undefined, 'the api no longer lists carol');

      const user = await rest.ok<ServiceUser>('GET', '/api/user', carolToken);
      assert.equal(user.organizations.some((o) => o.githubLogin === ORG), false, "carol's whoami no longer names the organization");
      const stack = await rest.call('GET', `/api/stacks/${stackRef}`, carolToken);
      assert.ok(stack.status === 403 || stack.status === 404, `carol may no longer read the stack (got ${stack.status})`);
      const afterRemoval = await carolCli.run(['stack', 'history', '--stack', stackRef, '--json']);
      assert.notEqual(afterRemoval.code, 0, "carol's CLI must no longer read the stack");
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });
  });
}
