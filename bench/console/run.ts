import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { BrowserContext } from 'playwright-core';
import type { Suite } from '@stackyard/shared-launcher';
import { type ChromiumPeer, PulumiCli, type SlapdPeer, startChromium, startSlapd, tempDir } from '@stackyard/testing';
import { PROJECT, SharedPeers, startStackyard, writeProject } from '../backends';
import { errorText, progress } from '../log';
import { machineInfo } from '../machine';
import { STACKYARD_MODES, type StackyardMode } from '../options';
import { runOperation } from '../program/start-runner';
import { LATEST_RESULTS, readResults, REPORT_FILE } from '../results';
import { writeReport } from '../report';
import { RawClient } from '../server/raw-client';
import { CONSOLE_LATEST_RESULTS, type ConsoleBenchResults, type ConsoleModeFigure, type PageFigure, saveConsoleResults, timings } from './results';

/**
 * How fast the web console's pages are usable, side by side for both storage modes in one run:
 * `npm run bench:console` (builds, then `node dist/bench/console/run.js`). For each mode it starts a
 * fresh suite with an LDAP directory (slapd), makes a stack of `--resources` resources with three
 * real `pulumi up`s, signs a person in once in Debian's Chromium, and for each page opens it
 * `--runs` times in a fresh browser context (cold: no cache, a new TLS connection) and as many times
 * again by reloading (warm: cached scripts). The figure is the console's own `stackyard:ready`
 * performance mark — the page drawn with its data — measured from navigation start. The stacks
 * list is measured with a few stacks and again after `--stacks` more are created.
 *
 *   --modes embedded,mariadb-s3   --runs 5   --resources 200   --stacks 500
 */

const ORG = 'stackyard';
const STACK = 'web';

interface Args {
  modes: StackyardMode[];
  runs: number;
  resources: number;
  stacks: number;
}

function args(): Args {
  const { values } = parseArgs({
    strict: true,
    options: {
      modes: { type: 'string', default: 'embedded,mariadb-s3' },
      runs: { type: 'string', default: '5' },
      resources: { type: 'string', default: '200' },
      stacks: { type: 'string', default: '500' },
    },
  });
  const modes = values.modes.split(',').map((m) => m.trim()) as StackyardMode[];
  for (const mode of modes) if (!STACKYARD_MODES.includes(mode)) throw new Error(`--modes: unknown ${mode}; known: ${STACKYARD_MODES.join(', ')}`);
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return { modes, runs: positive('runs', values.runs), resources: positive('resources', values.resources), stacks: positive('stacks', values.stacks) };
}

function directories(slapd: SlapdPeer): string {
  const ldap = { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn };
  return JSON.stringify([{ id: 'corp', displayName: 'Corporate LDAP', organization: ORG, teamMappings: [], ldap }]);
}

/** Milliseconds from navigation start to the console's `stackyard:ready` mark, once the page at `path` is drawn. */
async function timeToReady(context: BrowserContext, origin: string, path: string, reload: boolean): Promise<{ ms: number; context: BrowserContext }> {
  const page = context.pages()[0] ?? (await context.newPage());
  if (reload) await page.reload();
  else await page.goto(`${origin}${path}`);
  await page.locator(`main[data-ready="${path}"]`).waitFor({ timeout: 60_000 });
  const ms = await page.evaluate<number>(`performance.getEntriesByName('stackyard:ready')[0].startTime`);
  return { ms, context };
}

async function measurePage(chromium: ChromiumPeer, storageState: Awaited<ReturnType<BrowserContext['storageState']>>, origin: string, name: string, path: string, runs: number): Promise<PageFigure> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await chromium.browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
    try {
      cold.push((await timeToReady(context, origin, path, false)).ms);
      warm.push((await timeToReady(context, origin, path, true)).ms);
    } finally {
      await context.close();
    }
  }
  return { name, path, cold: timings(cold), warm: timings(warm) };
}

async function measureMode(mode: StackyardMode, options: Args, peers: SharedPeers, slapd: SlapdPeer, binary: string): Promise<ConsoleModeFigure> {
  const figure: ConsoleModeFigure = { mode, pages: [] };
  let suite: Suite | undefined;
  let chromium: ChromiumPeer | undefined;
  try {
    suite = await startStackyard(mode, peers, { STACKYARD_DIRECTORIES: directories(slapd) });
    const origin = new URL(suite.consoleUrl).origin;
    const api = new RawClient(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
    const projectDir = tempDir('stackyard-bench-console-project');
    writeProject(projectDir);
    const cli = new PulumiCli({ binary, caFile: suite.caFile, accessToken: suite.adminToken, cwd: projectDir });
    await cli.login(suite.apiUrl);
    const stackName = `${ORG}/${PROJECT}/${STACK}`;
    await cli.ok(['stack', 'init', stackName]);
    progress(`${mode}: ${options.resources} resources, three updates…`);
    for (let update = 0; update < 3; update++) {
      const result = await runOperation({
        cli,
        env: {},
        timeoutMs: 20 * 60_000,
        request: { op: 'up', projectName: PROJECT, stackName, workDir: projectDir, program: { resources: options.resources, payloadBytes: 512, seed: `console-${update}` }, parallel: 16 },
      });
      if (!result.ok) throw new Error(`pulumi up ${update + 1} failed: ${result.error ?? ''}`);
    }
    for (let i = 0; i < 9; i++) await api.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: `few-${i}` } });

    chromium = await startChromium({ serverCertificates: [readFileSync(suite.pki.publicCertFile, 'utf8')] });
    // One sign-in through the login form; each measured context starts from its cookies.
    const signIn = await chromium.newPage();
    await signIn.page.goto(`${origin}/console/`);
    await signIn.page.getByLabel('Username').fill(slapd.users.alice.username);
    await signIn.page.getByLabel('Password').fill(slapd.users.alice.password);
    await signIn.page.getByRole('button', { name: 'Sign in' }).click();
    await signIn.page.locator('main[data-ready="/console/"]').waitFor();
    await api.ok('PATCH', `/api/orgs/${ORG}/members/alice`, { body: { role: 'admin' } });
    const stackPath = `/console/stacks/${ORG}/${PROJECT}/${STACK}`;
    // The newest update's page, as the updates list links to it.
    await signIn.page.goto(`${origin}${stackPath}/updates`);
    await signIn.page.locator(`main[data-ready="${stackPath}/updates"]`).waitFor();
    const updateHref = await signIn.page.getByRole('link', { name: 'Log' }).first().getAttribute('href');
    const storageState = await signIn.context.storageState();
    await signIn.context.close();
    const pages: Array<[string, string]> = [
      ['stacks list, 10 stacks', '/console/'],
      ['stack overview', stackPath],
      ['updates', `${stackPath}/updates`],
      ['resources', `${stackPath}/resources`],
    ];
    if (updateHref) pages.push(['one update (log and events)', new URL(updateHref, origin).pathname]);
    for (const [name, path] of pages) {
      progress(`${mode}: ${name}…`);
      figure.pages.push(await measurePage(chromium, storageState, origin, name, path, options.runs));
    }
    progress(`${mode}: ${options.stacks} more stacks…`);
    for (let i = 0; i < options.stacks; i++) await api.ok('POST', `/api/stacks/${ORG}/${PROJECT}`, { body: { stackName: `many-${i}` } });
    figure.pages.push(await measurePage(chromium, storageState, origin, `stacks list, ${options.stacks + 10} stacks`, '/console/', options.runs));
    api.close();
  } catch (error) {
    figure.error = errorText(error);
    progress(`${mode}: FAILED: ${figure.error.split('\n')[0]}`);
  } finally {
    await chromium?.stop().catch(() => undefined);
    await suite?.stop().catch(() => undefined);
  }
  return figure;
}

async function main(): Promise<void> {
  const options = args();
  const peers = new SharedPeers();
  const slapd = await startSlapd();
  const binary = await PulumiCli.binaryPath();
  const { pulumi: _pulumi, mariadb: _mariadb, versitygw: _versitygw, ...machine } = await machineInfo('not used');
  const results: ConsoleBenchResults = { schema: 'stackyard-bench-console/1', startedAt: new Date().toISOString(), machine, options, modes: [] };
  try {
    for (const mode of options.modes) {
      results.modes.push(await measureMode(mode, options, peers, slapd, binary));
      saveConsoleResults(results);
    }
  } finally {
    await slapd.stop();
    await peers.stop();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAtEnd = Math.round(loadavg()[0] * 100) / 100;
  saveConsoleResults(results);
  progress(`wrote ${CONSOLE_LATEST_RESULTS}`);
  if (existsSync(LATEST_RESULTS)) {
    writeReport(readResults(LATEST_RESULTS));
    progress(`wrote ${REPORT_FILE}`);
  }
  const failed = results.modes.filter((m) => m.error);
  if (failed.length) {
    process.stderr.write(`bench:console: FAILED: ${failed.map((m) => `${m.mode}: ${(m.error ?? '').split('\n')[0]}`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:console: ${errorText(error)}\n`);
    process.exitCode = 1;
  });
}

