import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditLogEventsResponse } from '@stackyard/shared-contracts';
import { type ChromiumPeer, PulumiCli, type RecordedPage, tempDir } from '@stackyard/testing';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram, startProgram } from '../support/program';
import { RestClient } from '../support/rest';
import { MODE_TITLES, selectedModes, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { assertOnlyOwnOrigin as assertOwnOrigin, CONSOLE_ARTIFACTS, directoryForFile, signInWithPassword, startConsoleSuite } from './support/console-browser';

/**
 * Issue 8, first slice, in Debian's Chromium against the real services: an LDAP user signs in on
 * the console and sees exactly the stacks RBAC lets them read (data made by the real CLI); a
 * stack's overview masks secret outputs; while `pulumi up` runs, the update page's log grows and
 * then shows the result without a reload; and the browser never requests anything from another
 * origin. Screenshots of each page land in dist/test-artifacts/console/.
 */

const ORG = 'stackyard';
const PROJECT = 'webapp';
const ARTIFACTS = CONSOLE_ARTIFACTS;
/** A stack README with the Markdown the console draws, and a link it must not make clickable. */
const README = '# Runbook\n\nDeploys **shared** for everyone.\n\n- page the platform team\n- roll back with pulumi stack export\n\nSee [the runbook](https://docs.example.com/runbook) and [not a link](javascript:alert(1)).\n<script>alert(1)</script>\n';
const SECRET_CONFIG = 'not-a-real-password';

const directory = directoryForFile();

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const mode of selectedModes()) {
  void describe(`the web console in Chromium — ${MODE_TITLES[mode]}`, { timeout: 20 * 60_000 }, () => {
    let started: StartedSuite;
    /** One browser per suite: it accepts exactly that installation's certificate. */
    let chromium: ChromiumPeer | undefined;
    let binary: string;
    let admin: PulumiCli;
    let rest: RestClient;
    let consoleOrigin: string;
    const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;
    const shot = async (page: RecordedPage, name: string) => {
      await page.page.screenshot({ path: join(ARTIFACTS, `${mode}-${name}.png`), fullPage: true });
    };
    /** Signs in through the console's own pages, as a person would, starting from the console's address. */
    const signIn = (username: string, password: string, size?: { width: number; height: number }): Promise<RecordedPage> => signInWithPassword(chromium!, consoleOrigin, username, password, size);
    const assertOnlyOwnOrigin = (recorded: RecordedPage) => assertOwnOrigin(recorded, consoleOrigin);

    before(async () => {
      ({ binary, started, chromium, consoleOrigin } = await startConsoleSuite(mode, directory(), ORG));
      rest = new RestClient(started.suite.apiUrl);
      // alice exists once she has signed in (here through `pulumi login`), so she can join a team.
      await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.alice.username, directory().users.alice.password);
      admin = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: sharedProjectDir(PROJECT) });
      await admin.login(started.suite.apiUrl);
      await initStack(admin, ref('shared'));
      await initStack(admin, ref('private'));
      await admin.ok(['stack', 'tag', 'set', 'env', 'production', '--stack', ref('shared')]);
      await runProgram(admin, { op: 'up', projectName: PROJECT, stackName: ref('shared'), program: { resources: 2, generation: 1, readme: README } });
      await runProgram(admin, { op: 'up', projectName: PROJECT, stackName: ref('private'), program: { resources: 1, generation: 1 } });
      // Members see no stack by default; the readers team (alice) may read `shared` only.
      const token = started.suite.adminToken;
      await rest.ok('PATCH', `/api/orgs/${ORG}`, token, { setDefaultStackPermission: 0 });
      await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, token, { organization: ORG, name: 'readers', displayName: 'Readers', description: 'may look' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/readers`, token, { memberAction: 'add', member: 'alice' });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/readers`, token, { addStackPermission: { projectName: PROJECT, stackName: 'shared', permission: 101 } });
    });

    after(async () => {
      await chromium?.stop();
      await started?.stop();
    });

    void it('signs an LDAP user in and lists exactly the stacks they may read, with search and filters', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      const rows = async () => Promise.all((await page.locator('tr[data-stack]').all()).map((tr) => tr.getAttribute('data-stack')));
      assert.deepEqual(await rows(), [ref('shared')]);
      assert.equal(await page.locator('#signed-in-as').textContent(), 'alice ');
      // Resources per stack: one bar for each stack listed, named by it, with the count in its table fallback.
      assert.equal(await page.locator('#chart-resources svg g.bar').count(), 1);
      assert.equal(await page.locator('#chart-resources svg g.bar').getAttribute('data-label'), `${PROJECT}/shared`);
      const resources = ((await page.locator('tr[data-stack] td').nth(2).textContent()) ?? '').replace(/\D/g, '');
      assert.deepEqual(await page.locator('#chart-resources table.chart-data tbody tr').allTextContents(), [`${PROJECT}/shared${resources}`]);
      await shot(alice, 'stacks');
      // Filter by tag: `env=production` keeps it, another value hides it (the api filters).
      await page.getByLabel('Tag', { exact: true }).fill('env');
      await page.getByLabel('Tag value').fill('staging');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('main[data-ready="/console/"] >> text=No stacks to show.').waitFor();
      await page.getByLabel('Tag value').fill('production');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('tr[data-stack]').first().waitFor();
      assert.deepEqual(await rows(), [ref('shared')]);
      // Grouped by a tag's value instead of by project.
      await page.getByLabel('Group by').selectOption({ label: 'Tag env' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator('main[data-ready="/console/"] section[aria-label="Tag env: production"] tr[data-stack]').waitFor();
      assert.equal(await page.locator('section.group h2').first().textContent(), 'env: production');
      // How long the first page took is kept as an artifact; the figure that counts (issue 8's 2 s) is
      // measured side by side in `npm run bench:console` (BENCHMARKS.md), not asserted in a timed test.
      const asked = Date.now();
      await page.goto(`${consoleOrigin}/console/`);
      await page.locator('main[data-ready="/console/"]').waitFor();
      writeFileSync(join(ARTIFACTS, `${mode}-timings.json`), `${JSON.stringify({ stacksPageInteractiveMs: Date.now() - asked }, null, 2)}\n`);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();

      // carol belongs to no team: signed in, she sees no stack at all.
      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      assert.deepEqual(await carol.page.locator('tr[data-stack]').count(), 0);
      await carol.page.getByText('No stacks to show.').waitFor();
      // And the stack she may not read is a plain "not found" through the console's JSON too.
      const direct = await carol.page.request.get(`${consoleOrigin}/console/api/stacks/${ORG}/${PROJECT}/private`);
      assert.equal(direct.status(), 404);
      assert.deepEqual(Object.keys((await direct.json()) as object).sort(), ['code', 'message']);
      assertOnlyOwnOrigin(carol);
      await carol.context.close();
    });

    void it("shows a stack's overview with secret outputs masked, and its update history", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'shared' }).click();
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/shared"]`).waitFor();
      const outputs = page.locator('table.outputs');
      assert.match((await outputs.locator('tr', { hasText: 'dbPassword' }).textContent()) ?? '', /\[secret\]/);
      assert.match((await outputs.locator('tr', { hasText: 'itemCount' }).textContent()) ?? '', /2/);
      assert.doesNotMatch(await page.content(), new RegExp(SECRET_CONFIG), 'the secret value never reaches the page');
      assert.match((await page.locator('dl.tags').textContent()) ?? '', /env\s*production/);
      // The README (the stack's `readme` output) drawn from its Markdown, links only to https.
      const readme = page.locator('section.readme');
      assert.equal(await readme.locator('h3').textContent(), 'Runbook');
      assert.equal(await readme.locator('strong').textContent(), 'shared');
      assert.deepEqual(await readme.locator('li').allTextContents(), ['page the platform team', 'roll back with pulumi stack export']);
      assert.equal(await readme.locator('a').getAttribute('href'), 'https://docs.example.com/runbook');
      assert.equal(await readme.locator('a').count(), 1, 'the javascript: link is left as text');
      assert.match((await readme.textContent()) ?? '', /not a link/);
      assert.equal(await readme.locator('script').count(), 0);
      await shot(alice, 'stack-overview');
      await page.getByRole('link', { name: 'Updates' }).click();
      await page.locator('table.updates tr[data-version="1"]').waitFor();
      assert.match((await page.locator('tr[data-version="1"]').textContent()) ?? '', /update.*succeeded/);
      // Where it ran, from what the CLI reported (the Automation API's run kind, the CLI's version).
      assert.match((await page.locator('tr[data-version="1"] td.environment').getAttribute('title')) ?? '', /exec\.kind: /);
      // Charts of the history: one duration bar per update, one bar per day, each with its numbers as a table.
      const made = await page.locator('table.updates tbody tr').count();
      assert.equal(await page.locator('#chart-durations svg g.bar').count(), made, 'a duration bar per update');
      assert.equal(await page.locator('#chart-updates-per-day svg g.bar').count(), 1, 'all made today');
      assert.equal(await page.locator('#chart-updates-per-day svg rect.series-succeeded').count(), 1);
      assert.equal(await page.locator('#chart-updates-per-day svg').getAttribute('role'), 'img');
      assert.equal(await page.locator('#chart-durations table.chart-data tbody tr').count(), made, 'the table fallback has the same rows');
      await shot(alice, 'stack-updates');
      // Each history row names its update (the api's `updateID`) and links to that update's page.
      const updateId = (await page.locator('tr[data-version="1"]').getAttribute('data-update-id')) ?? '';
      assert.match(updateId, /^[A-Za-z0-9-]+$/, 'the history entry carries its updateID');
      const logLink = page.getByRole('link', { name: 'Log of update 1' });
      assert.equal(await logLink.getAttribute('href'), `/console/stacks/${ORG}/${PROJECT}/shared/updates/${updateId}`);
      // The update's log, after the fact, and its timeline: the program's two resources and the stack, each created.
      await logLink.click();
      await page.locator('main[data-update-ended="succeeded"]').waitFor();
      assert.match((await page.locator('pre.log').textContent()) ?? '', /Resources: .*create/);
      const steps = page.locator('#timeline li[data-urn]');
      assert.equal(await steps.count(), 3, 'one timeline row per resource');
      assert.equal(await page.locator('#timeline li[data-op="create"]').count(), 3, 'each row shows its step');
      assert.ok((await page.locator('#timeline li[data-urn*="pulumi:pulumi:Stack"]').count()) === 1, 'the stack resource has its row');
      assert.match((await page.locator('#timeline-summary').textContent()) ?? '', /3 resources \(3 create\)/);
      await shot(alice, 'update-timeline');
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it('reveals a secret output only on request, to a reader, auditing each reveal; a person without access gets a 404', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared`);
      const row = page.locator('table.outputs tr', { hasText: 'dbPassword' });
      await row.waitFor();
      assert.doesNotMatch(await page.content(), new RegExp(SECRET_CONFIG));
      await row.getByRole('button', { name: 'Reveal dbPassword' }).click();
      await row.locator('code', { hasText: SECRET_CONFIG }).waitFor();
      await shot(alice, 'stack-output-revealed');
      // Each reveal is the api's decryption, audited as alice.
      const audit = await rest.ok<AuditLogEventsResponse>('GET', `/api/orgs/${ORG}/auditlogs?pageSize=100`, started.suite.adminToken);
      const reveals = audit.auditLogEvents.filter((e) => e.event === 'stack_secret_decrypted' && e.user.githubLogin === 'alice');
      assert.equal(reveals.length, 1, JSON.stringify(audit.auditLogEvents.map((e) => [e.event, e.user.githubLogin])));
      assert.match(reveals[0].description, new RegExp(`stack '${ref('shared')}'`));
      // Without the session's CSRF token the console refuses, before asking the api anything.
      const forged = await page.request.post(`${consoleOrigin}/console/api/stacks/${ORG}/${PROJECT}/shared/outputs/dbPassword/reveal`);
      assert.equal(forged.status(), 403);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();

      const carol = await signIn(directory().users.carol.username, directory().users.carol.password);
      const session = (await (await carol.page.request.get(`${consoleOrigin}/console/api/session`)).json()) as { csrfToken: string };
      const refused = await carol.page.request.post(`${consoleOrigin}/console/api/stacks/${ORG}/${PROJECT}/shared/outputs/dbPassword/reveal`, { headers: { 'x-csrf-token': session.csrfToken } });
      assert.equal(refused.status(), 404, await refused.text());
      assert.doesNotMatch(await refused.text(), new RegExp(SECRET_CONFIG));
      await carol.context.close();
    });

    /**
     * While the update runs (its page holds one stream), the same session may open three more; the
     * next is refused with 429 `{code,message}`. Dropping them frees their slots at once: the
     * server stops following when the browser goes away, so no loop is left behind.
     */
    const assertStreamsCapped = async (page: RecordedPage['page'], updateId: string) => {
      const url = `/console/api/stacks/${ORG}/${PROJECT}/shared/updates/${encodeURIComponent(updateId)}/stream`;
      const probe = `(async () => {
        const url = ${JSON.stringify(url)};
        const open = async (count) => {
          const held = [];
          const statuses = [];
          for (let i = 0; i < count; i++) {
            const stop = new AbortController();
            const answer = await fetch(url, { signal: stop.signal });
            statuses.push(answer.status);
            held.push(stop);
            if (i === 0) held.headers = { type: answer.headers.get('content-type'), cache: answer.headers.get('cache-control'), buffering: answer.headers.get('x-accel-buffering') };
          }
          return { held, statuses };
        };
        const first = await open(3);
        const refused = await fetch(url);
        const refusedBody = await refused.json();
        for (const stop of first.held) stop.abort();
        let again = { statuses: [] };
        for (let attempt = 0; attempt < 50; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          again = await open(3);
          for (const stop of again.held) stop.abort();
          if (again.statuses.every((status) => status === 200)) break;
        }
        return { first: first.statuses, headers: first.held.headers, refused: refused.status, refusedBody, again: again.statuses };
      })()`;
      const outcome = await page.evaluate<{ first: number[]; headers: Record<string, string>; refused: number; refusedBody: { code: number; message: string }; again: number[] }>(probe);
      assert.deepEqual(outcome.first, [200, 200, 200]);
      assert.match(outcome.headers['type'] ?? '', /^text\/event-stream/);
      assert.equal(outcome.headers['cache'], 'no-store');
      assert.equal(outcome.headers['buffering'], 'no');
      assert.equal(outcome.refused, 429);
      assert.equal(outcome.refusedBody.code, 429);
      assert.match(outcome.refusedBody.message, /at most 4 update streams/);
      assert.deepEqual(outcome.again, [200, 200, 200], 'dropped streams freed their slots');
    };

    /**
     * A reconnect with `Last-Event-ID` (what EventSource sends) resumes after the last whole batch:
     * the stream does not send again the lines the first connection already had.
     */
    const assertStreamResumes = async (page: RecordedPage['page'], updateId: string) => {
      const url = `/console/api/stacks/${ORG}/${PROJECT}/shared/updates/${encodeURIComponent(updateId)}/stream`;
      const probe = `(async () => {
        const firstBatch = async (headers) => {
          const stop = new AbortController();
          const answer = await fetch(${JSON.stringify(url)}, { headers, signal: stop.signal });
          const reader = answer.body.getReader();
          const decoder = new TextDecoder();
          let text = '';
          const deadline = Date.now() + 20000;
          while (Date.now() < deadline && !/^id: .*$/m.test(text)) {
            const { value, done } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
          }
          stop.abort();
          return text;
        };
        const first = await firstBatch({});
        const id = (/^id: (.*)$/m.exec(first) || [])[1] || '';
        const resumed = await firstBatch({ 'Last-Event-ID': id });
        return { first, id, resumed };
      })()`;
      const outcome = await page.evaluate<{ first: string; id: string; resumed: string }>(probe);
      const sequencesOf = (stream: string) =>
        stream
          .split('\n\n')
          .filter((message) => message.startsWith('event: log\n'))
          .flatMap((message) => (JSON.parse(message.slice(message.indexOf('data: ') + 6)) as { lines: Array<{ sequence: number }> }).lines.map((line) => line.sequence));
      const before = sequencesOf(outcome.first);
      assert.ok(before.length > 0, 'the first connection got the log so far');
      assert.notEqual(outcome.id, '', 'each whole batch carries the token to resume from as its id');
      assert.match(outcome.resumed, /^event: status$/m, 'the resumed stream answered');
      const again = sequencesOf(outcome.resumed).filter((sequence) => sequence <= Math.max(...before));
      assert.deepEqual(again, [], 'nothing the first connection had was sent again');
    };

    void it('shows the log of a running `pulumi up` growing, then its result, without a reload', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      const dir = tempDir('stackyard-e2e-console-block');
      const startedFile = join(dir, 'started');
      const releaseFile = join(dir, 'release');
      // The program blocks in the create of a new resource until the test releases it.
      const running = startProgram(admin, { op: 'up', projectName: PROJECT, stackName: ref('shared'), program: { resources: 3, generation: 1, block: { index: 2, startedFile, releaseFile } } });
      try {
        await waitForFile(startedFile, 120_000);
        await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared`);
        await page.getByRole('link', { name: 'Follow its log' }).click();
        await page.locator('pre.log span').first().waitFor({ timeout: 30_000 });
        // A marker the page keeps only as long as it is not reloaded.
        await page.evaluate('window.stackyardNotReloaded = true');
        const whileRunning = await page.locator('pre.log span').count();
        assert.match((await page.locator('#update-status').textContent()) ?? '', /running|not started|requested/);
        await shot(alice, 'update-running');
        await assertStreamsCapped(page, new URL(page.url()).pathname.split('/').at(-1) ?? '');
        await assertStreamResumes(page, new URL(page.url()).pathname.split('/').at(-1) ?? '');
        writeFileSync(releaseFile, 'go');
        const result = await running.result;
        assert.ok(result.ok, running.output().slice(-4000));
        await page.locator('main[data-update-ended="succeeded"]').waitFor({ timeout: 60_000 });
        const finished = await page.locator('pre.log span').count();
        assert.ok(finished > whileRunning, `the log grew (${whileRunning} → ${finished} lines)`);
        assert.match((await page.locator('pre.log').textContent()) ?? '', /Resources: .*1 create/);
        assert.equal(await page.evaluate<boolean>('window.stackyardNotReloaded === true'), true, 'no reload');
        // Pushed over one Server-Sent Events stream, not polled.
        assert.ok(alice.requests.some((url) => /\/console\/api\/stacks\/[^?]+\/updates\/[^/?]+\/stream$/.test(url)), 'the page opened the update stream');
        assert.deepEqual(
          alice.requests.filter((url) => /\/updates\/[^/?]+\/log(\?|$)/.test(url)),
          [],
          'the page never polled the log',
        );
        // The new resource's create, from its start to its end, on the timeline.
        await page.locator('#timeline li[data-op="create"]').first().waitFor();
        await shot(alice, 'update-finished');
      } finally {
        if (!existsSync(releaseFile)) writeFileSync(releaseFile, 'go');
        await running.result;
      }
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it('creates an access token that is shown once and works with the CLI, and revoking it in the console makes the CLI fail', async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;
      await page.getByRole('link', { name: 'Access tokens' }).click();
      await page.locator('main[data-ready="/console/tokens"]').waitFor();
      // The console's own session token is not the person's business, so it is not listed.
      assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /console-session-/);
      await page.getByLabel('Description').fill('laptop');
      await page.getByRole('button', { name: 'Create token' }).click();
      const value = (await page.locator('#new-token-value').textContent({ timeout: 15_000 })) ?? '';
      assert.match(value, /^pul-[0-9a-f]{40}$/);
      await shot(alice, 'tokens-created');
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: value, cwd: tempDir('stackyard-e2e-console-token') });
      await cli.login(started.suite.apiUrl);
      assert.match((await cli.ok(['whoami'])).stdout, /alice/);
      assert.match((await cli.ok(['stack', 'ls', '--all'])).stdout, /shared/, 'the token reads what alice may read');
      // Shown once: a fresh visit lists the token but no value.
      await page.reload();
      await page.locator('tr[data-token]', { hasText: 'laptop' }).waitFor();
      assert.ok(!(await page.content()).includes(value), 'the value is not shown again');
      await page.getByRole('button', { name: 'Revoke laptop' }).click();
      await page.locator('tr[data-token]', { hasText: 'laptop' }).waitFor({ state: 'detached' });
      // The api may trust a resolved token for a few seconds (docs/architecture.md: within 5 s).
      // (`whoami` may answer from the CLI's stored credentials; listing stacks always asks the api.)
      let refused = await cli.run(['stack', 'ls', '--all']);
      for (let i = 0; i < 40 && refused.code === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        refused = await cli.run(['stack', 'ls', '--all']);
      }
      assert.notEqual(refused.code, 0, 'a revoked token must stop working');
      assert.match(refused.stderr, /401|log(ging)? in|unauthorized/i);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });

    void it("ends the console's api access at sign-out, even for a copy of the old session cookie", async () => {
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const stolen = await alice.context.cookies(consoleOrigin);
      assert.ok(stolen.some((c) => c.name === '__Host-stackyard-session'));
      // A request now puts the session's api token in the console's short cache.
      assert.equal((await alice.page.request.get(`${consoleOrigin}/console/api/stacks`)).status(), 200);
      await alice.page.getByRole('button', { name: 'Sign out' }).click();
      await alice.page.waitForURL((url) => !url.pathname.startsWith('/console'));
      const replay = await chromium!.newPage();
      await replay.context.addCookies(stolen);
      // The api may trust a resolved token for a few seconds (docs/architecture.md: within 5 s).
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        status = (await replay.page.request.get(`${consoleOrigin}/console/api/stacks`)).status();
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(status, 401, 'the old cookie no longer reads anything');
      await replay.context.close();
      await alice.context.close();
    });

    void it('fits a phone-width screen, and answers bad console requests with a clear 4xx', async () => {
      const phone = await signIn(directory().users.alice.username, directory().users.alice.password, { width: 390, height: 844 });
      const { page } = phone;
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 390, `no horizontal scrolling at phone width (content is ${width} px wide)`);
      await shot(phone, 'stacks-phone');
      for (const [path, status] of [
        [`/console/api/stacks/${ORG}/${PROJECT}/bad%20name`, 400],
        [`/console/api/stacks/${ORG}/${PROJECT}/shared/updates?page=0`, 400],
        [`/console/api/stacks/${ORG}/${PROJECT}/shared/updates/not..an..id!/log`, 400],
        ['/console/api/stacks?tagName=%3Cx%3E', 400],
        ['/console/assets/..%2Fsecrets.js', 404],
      ] as const) {
        const res = await page.request.get(`${consoleOrigin}${path}`);
        assert.equal(res.status(), status, `${path}: ${await res.text()}`);
        assert.deepEqual(Object.keys((await res.json()) as object).sort(), ['code', 'message'], path);
      }
      const signedOut = await chromium!.newPage();
      const anonymous = await signedOut.page.request.get(`${consoleOrigin}/console/api/stacks`);
      assert.equal(anonymous.status(), 401);
      await signedOut.context.close();
      await phone.context.close();
    });

    void it('renames and deletes a stack from its settings for a stack Admin, as the CLI then sees; a reader gets the api\'s 403 reason', async () => {
      // alice (team readers) gets Admin on a stack of her own to manage; on `shared` she only reads.
      await initStack(admin, ref('doomed'));
      await runProgram(admin, { op: 'up', projectName: PROJECT, stackName: ref('doomed'), program: { resources: 1, generation: 1 } });
      await rest.ok('PATCH', `/api/orgs/${ORG}/teams/readers`, started.suite.adminToken, { addStackPermission: { projectName: PROJECT, stackName: 'doomed', permission: 103 } });
      const alice = await signIn(directory().users.alice.username, directory().users.alice.password);
      const { page } = alice;

      // A reader: the forms are there, the api refuses, and its reason is what the page shows.
      await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/shared/settings`);
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/shared/settings"]`).waitFor();
      await page.getByLabel('New name').fill('stolen');
      await page.getByRole('button', { name: 'Rename stack' }).click();
      const refusal = page.locator('#manage-problems [role="alert"]');
      await refusal.waitFor();
      assert.match((await refusal.textContent()) ?? '', /^Forbidden: /);
      await shot(alice, 'stack-settings-refused');
      assert.match((await admin.ok(['stack', 'ls', '--all'])).stdout, /shared/, 'nothing was renamed');

      // Rename: the page moves to the stack's new address, and the CLI lists the new name only.
      await page.goto(`${consoleOrigin}/console/stacks/${ORG}/${PROJECT}/doomed/settings`);
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/doomed/settings"]`).waitFor();
      await shot(alice, 'stack-settings-manage');
      await page.getByLabel('New name').fill('renamed');
      await page.getByRole('button', { name: 'Rename stack' }).click();
      await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/renamed/settings"], main [role="alert"]`).first().waitFor();
      assert.equal(await page.locator(`main[data-ready="/console/stacks/${ORG}/${PROJECT}/renamed/settings"]`).count(), 1, (await page.locator('main').textContent()) ?? '');
      assert.equal(new URL(page.url()).pathname, `/console/stacks/${ORG}/${PROJECT}/renamed/settings`);
      const listed = (await admin.ok(['stack', 'ls', '--all'])).stdout;
      assert.match(listed, /\brenamed\b/);
      assert.doesNotMatch(listed, /\bdoomed\b/);

      // Delete: only once the name is typed; with resources the api wants force, and says so.
      const remove = page.getByRole('button', { name: 'Delete stack' });
      assert.equal(await remove.isDisabled(), true, 'disabled until the name is typed');
      await page.getByLabel('Type renamed to confirm').fill('renamed');
      await remove.click();
      await refusal.waitFor();
      assert.match((await refusal.textContent()) ?? '', /resources/i, 'the api says the stack still has resources');
      await page.getByLabel('Delete even if it still has resources').check();
      await remove.click();
      await page.locator('main[data-ready="/console/"]').waitFor();
      await shot(alice, 'stack-deleted');
      const selected = await admin.run(['stack', 'select', ref('renamed')]);
      assert.notEqual(selected.code, 0, 'the CLI no longer finds the deleted stack');
      assert.doesNotMatch((await admin.ok(['stack', 'ls', '--all'])).stdout, /\brenamed\b/);
      assertOnlyOwnOrigin(alice);
      await alice.context.close();
    });
  });
}
