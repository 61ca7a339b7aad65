import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it, type TestContext } from 'node:test';
import { CLI_OUTPUT, isAlive, PulumiCli, REPO_ROOT, tempDir } from '@stackyard/testing';
import { parseLoginSteps, type LoginSteps } from './support/login-steps';
import { commandLine, describeExit, freeStartPorts, NpmProcess, operatorEnv, waitUntilGone, type StartPorts } from './support/npm-start';
import { describeResult, get, listening, OperatorShell } from './support/operator-shell';

/**
 * Acceptance: "On a fresh machine `npm ci && npm start` serves HTTPS, and the printed steps log
 * the real CLI in". `npm start` runs exactly as a person runs it (its own process group, a plain
 * environment); its instructions are parsed from its output and pasted into bash with the real
 * `pulumi` (scripts/peers/pulumi-cli.sh) on PATH.
 *
 * The fresh-clone variant (STACKYARD_TEST_FRESH_CLONE=1) first clones the committed state and
 * runs `npm ci` in it; STACKYARD_TEST_FRESH_CLONE_OVERLAY=1 also copies this checkout's
 * uncommitted files into the clone (to try work before committing it). The clone costs about
 * 3 minutes on two cores, nearly all of it `npm ci` compiling better-sqlite3 for Node 24, plus a
 * cold `tsc -b` of the whole repository inside `npm start`.
 *
 * STACKYARD_NPM_START_TIMEOUT_MS (default 120000): how long `npm start` (build included) may take
 * to print the login steps.
 */

const execFileAsync = promisify(execFile);
const STEPS_TIMEOUT_MS = Number(process.env.STACKYARD_NPM_START_TIMEOUT_MS ?? 120_000);
const STOP_TIMEOUT_MS = 30_000;
const LOGIN_LINE = /^[ \t]*pulumi login[ \t]+\S+[ \t]*$/m;
const SERVICE_MAIN = /\/dist\/apps\/([^/]+)\/src\/main\.js\b/;

interface Run {
  /** The checkout `npm start` runs in. */
  cwd: string;
  /** STACKYARD_DATA_DIR to pass, or undefined for the default (`<cwd>/.stackyard`). */
  dataDir?: string;
  ports?: StartPorts;
  npm?: NpmProcess;
  steps?: LoginSteps;
  shell?: OperatorShell;
  /** npm, sh, start.js and the services, recorded while running. */
  pids: number[];
  timings: Array<[string, number]>;
}

function expectedDataDir(run: Run): string {
  return run.dataDir ?? join(run.cwd, '.stackyard');
}

function started(run: Run): { npm: NpmProcess; steps: LoginSteps; ports: StartPorts } {
  assert.ok(run.npm && run.steps && run.ports, 'npm start did not get as far as printing the login steps (see the first failure)');
  return { npm: run.npm, steps: run.steps, ports: run.ports };
}

function timed(run: Run, name: string, fn: (t: TestContext) => Promise<void> | void, timeoutMs = 5 * 60_000): void {
  void it(name, { timeout: timeoutMs }, async (t) => {
    const t0 = Date.now();
    try {
      await fn(t);
    } finally {
      const ms = Date.now() - t0;
      run.timings.push([name, ms]);
      t.diagnostic(`${ms} ms`);
    }
  });
}

/** The checks shared by both variants, registered in order; each builds on the one before. */
function npmStartChecks(run: Run): void {
  timed(run, 'npm start prints the login steps', async (t) => {
    run.ports = await freeStartPorts();
    const env = operatorEnv({ ...run.ports, STACKYARD_DATA_DIR: run.dataDir });
    run.npm = NpmProcess.spawn(['start'], run.cwd, env);
    await run.npm.waitFor((out) => LOGIN_LINE.test(out), 'the `pulumi login` step', STEPS_TIMEOUT_MS);
    t.diagnostic(`login steps printed ${Date.now() - run.npm.startedAt} ms after spawning npm start (includes npm run build)`);
    run.steps = parseLoginSteps(run.npm.stdout);
    const { steps, ports } = started(run);

    const url = new URL(steps.url);
    assert.equal(url.protocol, 'https:', `the printed URL must be https://, got ${steps.url}`);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.port, ports.STACKYARD_PORT, 'the URL uses STACKYARD_PORT');
    const dataDir = expectedDataDir(run);
    for (const [what, file] of [['SSL_CERT_FILE', steps.caFile], ['the token file', steps.tokenFile]] as const) {
      assert.ok(file.startsWith(dataDir + sep), `${what} ${file} lies in the data directory ${dataDir}`);
      assert.ok(existsSync(file), `${what} ${file} exists`);
    }
    assert.match(readFileSync(steps.caFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.equal(statSync(steps.tokenFile).mode & 0o077, 0, 'the admin token file is readable by its owner only');

    // Everything npm start runs, from this checkout's build.
    run.pids = run.npm.tree();
    const services = run.pids.map(commandLine).filter((cmd) => SERVICE_MAIN.test(cmd));
    assert.deepEqual(
      services.map((cmd) => SERVICE_MAIN.exec(cmd)![1]).sort(),
      ['api', 'console-backend', 'identity', 'secrets'],
      `the four services run under npm start:\n${run.pids.map((p) => `${p} ${commandLine(p)}`).join('\n')}`,
    );
    const checkout = realpathSync(run.cwd);
    for (const cmd of services) assert.ok(cmd.includes(join(checkout, 'dist', 'apps') + sep), `service runs from ${checkout}: ${cmd}`);
  });

  timed(run, 'it serves HTTPS verified by the printed CA only; plain HTTP gets nothing', async () => {
    const { steps, ports } = started(run);
    const ca = readFileSync(steps.caFile);
    const ok = await get(`${steps.url}/api/capabilities`, ca);
    assert.equal(ok.error, undefined, `HTTPS with the printed CA: ${ok.error?.message}`);
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray((JSON.parse(ok.body!) as { capabilities?: unknown }).capabilities), ok.body);

    const untrusted = await get(`${steps.url}/api/capabilities`);
    assert.ok(untrusted.error, 'without the printed CA the certificate must not verify');
    assert.match(`${untrusted.error.code} ${untrusted.error.message}`, /CERT|certificate|self[- ]signed|issuer/i);

    const plain = await get(`http://127.0.0.1:${ports.STACKYARD_PORT}/api/capabilities`);
    assert.ok(plain.error !== undefined || (plain.status ?? 0) >= 400, `plain HTTP must fail, got ${plain.status} ${plain.body}`);
    assert.doesNotMatch(plain.body ?? '', /capabilities/, 'plain HTTP must not reach the API');
  });

  timed(run, 'the printed steps, pasted into bash, log the real pulumi CLI in', async (t) => {
    const { steps } = started(run);
    const binary = await PulumiCli.binaryPath();
    const cwd = tempDir('stackyard-npm-start-cwd');

    // Without the SSL_CERT_FILE step the CLI must refuse the certificate: the step is needed and
    // the CA it names is the one that makes TLS work.
    const withoutCa = new OperatorShell(binary, { ...steps, lines: steps.lines.filter((l) => !l.includes('SSL_CERT_FILE')) });
    const refused = await withoutCa.login(cwd);
    assert.notEqual(refused.code, 0, describeResult('login without SSL_CERT_FILE', refused));
    assert.match(refused.stderr, /x509|certificate/i);

    run.shell = new OperatorShell(binary, steps);
    const login = await run.shell.login(cwd);
    assert.equal(login.code, 0, describeResult(steps.lines.join(' && '), login));
    const who = steps.adminLogin ?? 'admin';
    assert.match(login.stdout + login.stderr, new RegExp(`Logged in to ${steps.url.replace(/[.]/g, '\\.')} as ${who}\\b`));
    t.diagnostic(`pulumi login took ${login.ms} ms`);
  });

  timed(run, 'pulumi whoami prints the admin user; stack init and stack ls work', async () => {
    const { steps } = started(run);
    assert.ok(run.shell, 'logged in by the previous step');
    const project = tempDir('stackyard-npm-start-project');
    writeFileSync(join(project, 'Pulumi.yaml'), 'name: npm-start-check\nruntime: yaml\ndescription: npm start acceptance\n');

    const whoami = await run.shell.session('pulumi whoami', project);
    assert.equal(whoami.code, 0, describeResult('pulumi whoami', whoami));
    assert.equal(whoami.stdout.trim(), steps.adminLogin ?? 'admin');
    const verbose = await run.shell.session('pulumi whoami --verbose', project);
    assert.equal(verbose.code, 0, describeResult('pulumi whoami --verbose', verbose));
    if (steps.org) assert.match(verbose.stdout, new RegExp(`Organizations: .*\\b${steps.org}\\b`));

    const init = await run.shell.session('pulumi stack init dev', project);
    assert.equal(init.code, 0, describeResult('pulumi stack init dev', init));
    const version = (await promisify(execFile)(run.shell.pulumiBinary, ['version'], { encoding: 'utf8' })).stdout.trim();
    if (CLI_OUTPUT.announcesCreatedStack(version)) assert.match(init.stdout + init.stderr, /Created stack 'dev'/);
    const ls = await run.shell.session('pulumi stack ls --json', project);
    assert.equal(ls.code, 0, describeResult('pulumi stack ls --json', ls));
    const stacks = JSON.parse(ls.stdout) as Array<{ name: string; current?: boolean }>;
    assert.deepEqual(
      stacks.map((s) => ({ name: s.name.split('/').pop(), current: s.current })),
      [{ name: 'dev', current: true }],
    );
    const table = await run.shell.session('pulumi stack ls', project);
    assert.equal(table.code, 0, describeResult('pulumi stack ls', table));
    assert.match(table.stdout, /^dev\*\s/m);
  });

  timed(run, 'Ctrl-C stops npm start and every process it started', async (t) => {
    const { npm, ports } = started(run);
    assert.ok(run.pids.length >= 5, 'the process tree was recorded while running');
    const t0 = Date.now();
    npm.interrupt();
    const exit = await npm.waitForExit(STOP_TIMEOUT_MS);
    assert.ok(exit, `npm start still running ${STOP_TIMEOUT_MS / 1000} s after Ctrl-C\n${npm.output}`);
    const stillStopping = run.pids.filter((p) => isAlive(p)).length;
    t.diagnostic(`npm exited ${Date.now() - t0} ms after SIGINT (${describeExit(exit)}); ${stillStopping} of its processes were still stopping then`);
    const left = await waitUntilGone(run.pids, 10_000);
    t.diagnostic(`all ${run.pids.length} processes gone ${Date.now() - t0} ms after SIGINT`);
    assert.deepEqual(left.map((p) => `${p} ${commandLine(p)}`), [], 'no process of npm start survives it');
    assert.equal(await listening(Number(ports.STACKYARD_PORT)), false, 'nothing listens on the api port any more');
    assert.ok(exit.code === 0 || exit.code === 130 || exit.signal === 'SIGINT', `exit after Ctrl-C: ${describeExit(exit)}\n${npm.output}`);
  });

  timed(run, 'Ctrl-C reads as a clean stop, not as a service failure', () => {
    const { npm } = started(run);
    assert.ok(npm.exit, 'stopped by the previous step');
    assert.match(npm.stdout, /stopping/i);
    // The terminal's SIGINT reaches every service too; that is the operator's doing, not a crash.
    assert.doesNotMatch(npm.output, /unexpectedly|SIGABRT|Error:/, `stopping on Ctrl-C must report no failure\n${npm.output}`);
  });

  timed(run, 'the admin token never appears in its output or logs', () => {
    const { npm, steps } = started(run);
    const token = readFileSync(steps.tokenFile, 'utf8').trim();
    assert.ok(token.length >= 20, 'the token file holds a token');
    assert.equal(npm.output.includes(token), false, 'the admin token appears in npm start output');
    const logs = join(dirname(steps.tokenFile), 'logs');
    for (const file of existsSync(logs) ? readdirSync(logs) : []) {
      assert.equal(readFileSync(join(logs, file), 'utf8').includes(token), false, `the admin token appears in ${join(logs, file)}`);
    }
  });
}

function cleanUp(run: Run): void {
  if (run.npm && !run.npm.exit) run.npm.kill(run.pids);
}

function report(label: string, run: Run): void {
  const total = run.timings.reduce((sum, [, ms]) => sum + ms, 0);
  process.stdout.write(`\n[npm start timings, ${label}] ${run.timings.map(([n, ms]) => `${n}: ${ms} ms`).join('; ')}; total ${total} ms\n`);
}

void describe('npm start in this checkout', { timeout: 10 * 60_000 }, () => {
  const run: Run = { cwd: REPO_ROOT, dataDir: join(tempDir('stackyard-npm-start'), 'data'), pids: [], timings: [] };
  after(() => {
    cleanUp(run);
    report('this checkout', run);
  });
  npmStartChecks(run);
});

const FRESH = process.env.STACKYARD_TEST_FRESH_CLONE === '1';

void describe('npm ci && npm start in a fresh clone', { timeout: 40 * 60_000, skip: FRESH ? false : 'set STACKYARD_TEST_FRESH_CLONE=1 (clone + npm ci: several minutes)' }, () => {
  const base = FRESH ? tempDir('stackyard-fresh-clone') : '';
  const run: Run = { cwd: join(base, 'stackyard'), pids: [], timings: [] };
  after(() => {
    cleanUp(run);
    report('fresh clone', run);
  });

  timed(run, 'git clone --no-hardlinks of the committed state', async (t) => {
    await execFileAsync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, run.cwd], { timeout: 5 * 60_000 });
    const head = (await execFileAsync('git', ['-C', run.cwd, 'log', '-1', '--format=%h %s'])).stdout.trim();
    t.diagnostic(`cloned ${head}`);
    if (process.env.STACKYARD_TEST_FRESH_CLONE_OVERLAY === '1') t.diagnostic(`overlay: ${await overlayWorkingTree(run.cwd)} uncommitted paths copied`);
    for (const file of ['package.json', 'package-lock.json']) assert.ok(existsSync(join(run.cwd, file)), `${file} is committed`);
    assert.equal(existsSync(join(run.cwd, 'node_modules')), false, 'the clone starts without node_modules');
    assert.equal(existsSync(join(run.cwd, 'dist')), false, 'the clone starts without a build');
  });

  timed(
    run,
    'npm ci installs everything (native addons included)',
    async (t) => {
      const npm = NpmProcess.spawn(['ci'], run.cwd, operatorEnv());
      const exit = await npm.waitForExit(30 * 60_000);
      if (!exit) npm.kill();
      assert.ok(exit, `npm ci still running after 30 min\n${npm.output}`);
      assert.equal(exit.code, 0, `npm ci failed (${describeExit(exit)})\n${npm.output}`);
      t.diagnostic(`npm ci took ${Date.now() - npm.startedAt} ms`);
      for (const bin of ['node', 'tsc', 'tsc-alias']) assert.ok(existsSync(join(run.cwd, 'node_modules', '.bin', bin)), `node_modules/.bin/${bin}`);
    },
    35 * 60_000,
  );

  npmStartChecks(run);
});

/** Copies this checkout's modified and untracked (not ignored) files into `target`; removes deleted ones. */
async function overlayWorkingTree(target: string): Promise<number> {
  const list = async (...args: string[]) =>
    (await execFileAsync('git', ['-C', REPO_ROOT, 'ls-files', '-z', ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\0').filter(Boolean);
  const deleted = new Set(await list('--deleted'));
  const changed = (await list('--modified', '--others', '--exclude-standard')).filter((p) => !deleted.has(p));
  for (const path of changed) {
    mkdirSync(dirname(join(target, path)), { recursive: true });
    copyFileSync(join(REPO_ROOT, path), join(target, path));
  }
  for (const path of deleted) rmSync(join(target, path), { force: true });
  return changed.length + deleted.size;
}
