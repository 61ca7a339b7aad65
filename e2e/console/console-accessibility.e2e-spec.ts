import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ChromiumPeer, PulumiCli, type RecordedPage } from '@stackyard/testing';
import { directoryUserToken } from '../support/directory-sign-in';
import { runProgram } from '../support/program';
import { RestClient } from '../support/rest';
import { MODE_TITLES, type StartedSuite } from '../support/suite-modes';
import { initStack, sharedProjectDir } from '../access/support/project';
import { CONSOLE_ARTIFACTS, directoryForFile, signInWithPassword, startConsoleSuite } from './support/console-browser';

/**
 * Issue 8, "accessible": every main page of the console checked by axe-core (Deque's rules engine,
 * run inside Debian's Chromium against the real services, data made by the real CLI) for the WCAG
 * 2.1 A and AA rules it can decide — labelled controls, names of links and buttons, contrast,
 * landmarks, language, headings; a stack reached and opened with the keyboard alone, the focus
 * always visible; and each page at 1280×800 and at a phone's width without sideways scrolling.
 *
 * Only the embedded mode: the pages are the same HTML whatever stores the data behind them.
 */

const ORG = 'stackyard';
const PROJECT = 'a11y';
const ARTIFACTS = CONSOLE_ARTIFACTS;
/** The rule sets axe decides without a person: WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}
interface AxeResults {
  violations: AxeViolation[];
  passes: Array<{ id: string }>;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const directory = directoryForFile();

/** axe's findings, one line per element, for an assertion message. */
function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.flatMap((v) => v.nodes.map((n) => `  [${v.impact ?? '?'}] ${v.id}: ${v.help} — ${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ')})` : ''}`)).join('\n');
}

void describe(`the console's pages are accessible — ${MODE_TITLES.embedded}`, { timeout: 15 * 60_000 }, () => {
  let started: StartedSuite;
  let chromium: ChromiumPeer | undefined;
  let consoleOrigin: string;
  const ref = (stack: string) => `${ORG}/${PROJECT}/${stack}`;
  const stackPath = `/console/stacks/${ORG}/${PROJECT}/web`;

  const signIn = (size?: { width: number; height: number }): Promise<RecordedPage> => signInWithPassword(chromium!, consoleOrigin, directory().users.alice.username, directory().users.alice.password, size);
  /** Runs axe on what is on screen now; `evaluate` runs in the page's main world without being a script the CSP would refuse. */
  const audit = async (recorded: RecordedPage): Promise<AxeResults> => {
    await recorded.page.evaluate(AXE_SOURCE);
    return recorded.page.evaluate<AxeResults>(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_TAGS)} }, resultTypes: ['violations'] })`);
  };
  /** Every main page, by the path it is drawn for; the update page is found through the updates list. */
  const mainPages = async (recorded: RecordedPage): Promise<string[]> => {
    const { page } = recorded;
    await page.goto(`${consoleOrigin}${stackPath}/updates`);
    await page.locator(`main[data-ready="${stackPath}/updates"]`).waitFor();
    const updateHref = await page.getByRole('link', { name: 'Log' }).first().getAttribute('href');
    assert.ok(updateHref, 'the updates list links to an update');
    return [
      '/console/',
      stackPath,
      `${stackPath}/updates`,
      new URL(updateHref, consoleOrigin).pathname,
      `${stackPath}/resources`,
      `${stackPath}/settings`,
      '/console/tokens',
      `/console/orgs/${ORG}/teams`,
      `/console/orgs/${ORG}/teams/operators`,
      `/console/orgs/${ORG}/audit-log`,
      `/console/orgs/${ORG}/tokens`,
      `/console/orgs/${ORG}/members`,
      `/console/orgs/${ORG}/roles`,
      `/console/orgs/${ORG}/sso`,
    ];
  };

  before(async () => {
    let binary: string;
    ({ binary, started, chromium, consoleOrigin } = await startConsoleSuite('embedded', directory(), ORG));
    const rest = new RestClient(started.suite.apiUrl);
    const admin = started.suite.adminToken;
    await directoryUserToken(started.suite.consoleUrl, 'corp', directory().users.alice.username, directory().users.alice.password);
    const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: admin, cwd: sharedProjectDir(PROJECT) });
    await cli.login(started.suite.apiUrl);
    await initStack(cli, ref('web'));
    await cli.ok(['stack', 'tag', 'set', 'tier', 'frontend', '--stack', ref('web')]);
    const result = await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: ref('web'), program: { resources: 3, generation: 1 } });
    assert.ok(result.ok, result.ok ? '' : result.error);
    await rest.ok('PATCH', `/api/orgs/${ORG}/members/alice`, admin, { role: 'admin' });
    await rest.ok('POST', `/api/orgs/${ORG}/teams/pulumi`, admin, { organization: ORG, name: 'operators', displayName: 'Operators', description: 'run the web tier' });
    await rest.ok('PATCH', `/api/orgs/${ORG}/teams/operators`, admin, { memberAction: 'add', member: 'alice' });
    await rest.ok('PATCH', `/api/orgs/${ORG}/teams/operators`, admin, { addStackPermission: { projectName: PROJECT, stackName: 'web', permission: 102 } });
  });

  after(async () => {
    await chromium?.stop();
    await started?.stop();
  });

  void it('the sign-in page and every main page pass axe-core’s WCAG 2.1 A/AA rules', async () => {
    const anonymous = await chromium!.newPage();
    await anonymous.page.goto(`${consoleOrigin}/console/`);
    await anonymous.page.waitForURL(/\/login/);
    await anonymous.page.getByLabel('Username').waitFor();
    const signInPage = await audit(anonymous);
    assert.equal(signInPage.violations.length, 0, `the sign-in page:\n${describeViolations(signInPage.violations)}`);
    await anonymous.context.close();

    const alice = await signIn();
    const findings: string[] = [];
    for (const path of await mainPages(alice)) {
      await alice.page.goto(`${consoleOrigin}${path}`);
      await alice.page.locator(`main[data-ready="${path}"]`).waitFor();
      const results = await audit(alice);
      if (results.violations.length) findings.push(`${path}:\n${describeViolations(results.violations)}`);
    }
    assert.deepEqual(findings, [], findings.join('\n'));
    await alice.context.close();
  });

  void it('reaches a stack and its updates with the keyboard alone, the focus visible at every step', async () => {
    const alice = await signIn({ width: 1280, height: 800 });
    const { page } = alice;
    const focused = () =>
      page.evaluate<{ tag: string; text: string; href: string | null; outline: string }>(
        `(() => { const e = document.activeElement; const s = getComputedStyle(e); return { tag: e.tagName, text: (e.textContent || '').trim(), href: e.getAttribute('href'), outline: s.outlineStyle + ' ' + s.outlineWidth }; })()`,
      );
    // The first Tab offers the skip link; following it puts the focus on the page's content.
    await page.keyboard.press('Tab');
    const skip = await focused();
    assert.deepEqual([skip.tag, skip.text], ['A', 'Skip to content']);
    assert.equal(await page.locator('a.skip').isVisible(), true, 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'app');

    // Tab on until the stack's link has the focus; every stop shows where the focus is.
    let stop = await focused();
    for (let presses = 0; stop.href !== stackPath; presses++) {
      assert.ok(presses < 40, `the stack's link is reachable by Tab (last focus: ${JSON.stringify(stop)})`);
      await page.keyboard.press('Tab');
      stop = await focused();
      assert.notEqual(stop.tag, 'BODY', 'the focus never falls off the page');
      assert.match(stop.outline, /^solid [1-9]/, `a visible focus ring on ${stop.tag} "${stop.text.slice(0, 40)}"`);
    }
    await page.keyboard.press('Enter');
    await page.locator(`main[data-ready="${stackPath}"]`).waitFor();
    assert.equal(await page.evaluate<string>('document.activeElement.id'), 'app', 'after navigation the focus is on the new content');
    for (let presses = 0; (await focused()).href !== `${stackPath}/updates`; presses++) {
      assert.ok(presses < 20, 'the Updates tab is reachable by Tab');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.locator(`main[data-ready="${stackPath}/updates"]`).waitFor();
    await page.locator('table.updates tr[data-version="1"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'embedded-keyboard-updates.png'), fullPage: true });
    await alice.context.close();
  });

  void it('shows progress while a page takes more than a moment, and says ready only when it is drawn', async () => {
    const alice = await signIn();
    const { page } = alice;
    const busyLine = `getComputedStyle(document.getElementById('app'), '::before').visibility`;
    // The real answer, held back for 1.5 s on its way to the page.
    await page.route(/\/console\/api\/stacks\?/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.getByRole('link', { name: 'Stacks', exact: true }).click();
    await page.locator('main[aria-busy="true"]').waitFor();
    await page.waitForTimeout(700);
    assert.equal(await page.evaluate<string>(busyLine), 'visible', 'the progress line shows after 300 ms');
    assert.equal(await page.locator('main[data-ready]').count(), 0, 'nothing says ready while loading');
    await page.locator('main[data-ready="/console/"]').waitFor();
    assert.equal(await page.locator('main[aria-busy]').count(), 0);
    await page.unroute(/\/console\/api\/stacks\?/);
    await alice.context.close();
  });

  void it('shows every main page at 1280×800 and at a phone’s width without sideways scrolling', async () => {
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const alice = await signIn(size);
      const wide: string[] = [];
      for (const path of await mainPages(alice)) {
        await alice.page.goto(`${consoleOrigin}${path}`);
        await alice.page.locator(`main[data-ready="${path}"]`).waitFor();
        const width = await alice.page.evaluate<number>('document.documentElement.scrollWidth');
        if (width > size.width) wide.push(`${path}: ${width} px`);
      }
      assert.deepEqual(wide, [], `pages wider than ${size.width} px`);
      await alice.context.close();
    }
  });
});
