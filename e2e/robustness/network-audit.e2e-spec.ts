import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PulumiCli, requirePeer, tempDir } from '@stackyard/testing';
import { ORG, request, runnerEnv, timed, waitFor } from './support/harness';
import { runOperation } from './support/robust-runner';
import { parseStrace, straceArgs, violations, type Audit } from './support/strace-audit';
import { SUITE_MARKER, type HostedSuite } from './support/suite-host';

/**
 * Air-gap audit: the whole suite (launcher and the four services) runs under `strace -f`, and so
 * do the CLI and its plugins, while a small CLI workflow runs (login, stack init,
 * config set --secret, up, destroy, stack rm). Every connect()/sendto()/sendmsg() target must be
 * loopback or a unix socket, and every listener must be bound to loopback.
 */

const HOST = join(__dirname, 'support', 'suite-host.js');
const PROJECT = 'netaudit';

let host: ChildProcess | undefined;

after(() => {
  if (host && host.exitCode === null) host.kill('SIGKILL');
});

/** Starts the suite under strace; resolves when every service is ready. */
async function startTracedSuite(strace: string, traceFile: string, dataDir: string): Promise<{ hosted: HostedSuite; stop: () => Promise<void> }> {
  const child = spawn(strace, [...straceArgs(traceFile), process.execPath, '--enable-source-maps', HOST, JSON.stringify({ dataDir })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  host = child;
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hosted = await waitFor(
    'the traced suite to be ready',
    () => {
      if (child.exitCode !== null) throw new Error(`the traced suite exited (${child.exitCode}):\n${out.slice(-4_000)}`);
      const line = out.split('\n').find((l) => l.startsWith(SUITE_MARKER));
      return line ? (JSON.parse(line.slice(SUITE_MARKER.length)) as HostedSuite) : undefined;
    },
    120_000,
    100,
  );
  return {
    hosted,
    stop: async () => {
      child.stdin.end();
      const code = await exited;
      assert.equal(code, 0, `the traced suite stopped uncleanly (${code}):\n${out.slice(-4_000)}`);
      assert.match(out, /@@STOPPED/);
    },
  };
}

/** `bin/pulumi` that runs the real CLI under strace, one log per invocation. */
function tracedCliBinary(strace: string, real: string, dir: string, traces: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const args = straceArgs(`${traces}/pulumi.$$.strace`).map((a) => (a.includes('$$') ? `"${a}"` : `'${a}'`));
  const script = join(bin, 'pulumi');
  writeFileSync(script, `#!/bin/sh\nexec '${strace}' ${args.join(' ')} '${real}' "$@"\n`);
  chmodSync(script, 0o755);
  return script;
}

function summary(audit: Audit): string {
  const byLabel = new Map<string, number>();
  for (const r of audit.records) byLabel.set(`${r.label} ${r.syscall}`, (byLabel.get(`${r.label} ${r.syscall}`) ?? 0) + 1);
  return [...byLabel.entries()].map(([k, n]) => `${k}: ${n}`).join(', ');
}

test('during a CLI workflow the services (and the CLI) address nothing but loopback', { timeout: 300_000 }, async () => {
  const strace = requirePeer('strace', 'strace', 'apt-get install -y strace');
  const dir = tempDir('stackyard-robust-net');
  const suiteTrace = join(dir, 'suite.strace');
  const cliTraces = join(dir, 'cli-traces');
  mkdirSync(cliTraces, { recursive: true });

  const { hosted, stop } = await timed('traced suite start', () => startTracedSuite(strace, suiteTrace, join(dir, 'suite')));
  const realBinary = await PulumiCli.binaryPath();
  const workDir = join(dir, 'project');
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\n`);
  const cli = new PulumiCli({ binary: tracedCliBinary(strace, realBinary, join(dir, 'cli'), cliTraces), caFile: hosted.caFile, accessToken: hosted.adminToken, cwd: workDir });
  const stackName = `${ORG}/${PROJECT}/dev`;

  await timed('traced CLI workflow', async () => {
    await cli.login(hosted.apiUrl);
    await cli.ok(['stack', 'init', stackName]);
    await cli.ok(['config', 'set', '--secret', 'dbPassword', 'net-audit-secret']);
    // The Automation API runner calls bin/pulumi, i.e. the traced CLI (a traced process cannot be traced twice).
    const up = await runOperation(runnerEnv(cli, hosted.apiUrl), request(cli, PROJECT, 'dev', { workDir, program: { resources: 3, secretConfigKey: 'dbPassword' } }));
    assert.equal(up.result, 'succeeded');
    assert.deepEqual(up.outputs?.['secretValue'], { value: 'net-audit-secret', secret: true }, 'the secret config value made the round trip through the secrets service');
    const down = await runOperation(runnerEnv(cli, hosted.apiUrl), request(cli, PROJECT, 'dev', { op: 'destroy', workDir, program: { resources: 3, secretConfigKey: 'dbPassword' } }));
    assert.equal(down.result, 'succeeded');
    await cli.ok(['stack', 'rm', '--yes', stackName]);
  });
  await stop();

  // The services.
  const audit = parseStrace(suiteTrace);
  console.log(`[network-audit] suite: ${audit.lines} trace lines; ${summary(audit)}`);
  for (const service of ['launcher', 'api', 'identity', 'secrets', 'console-backend']) assert.ok(audit.labels.has(service), `${service} was traced (${[...audit.labels].join(', ')})`);
  const apiConnects = audit.records.filter((r) => r.label === 'api' && r.syscall === 'connect').map((r) => r.target.port);
  assert.ok(apiConnects.includes(hosted.ports['identity']), 'the trace shows the api calling identity (the audit sees service traffic)');
  assert.ok(apiConnects.includes(hosted.ports['secrets']), 'the trace shows the api calling secrets');
  const apiBinds = audit.records.filter((r) => r.label === 'api' && r.syscall === 'bind');
  assert.ok(apiBinds.some((r) => r.target.address === '127.0.0.1' && r.target.port === hosted.ports['api']), 'the api listens on 127.0.0.1');
  assert.deepEqual(violations(audit), [], 'the services addressed only loopback and unix sockets');

  // The client side: every `pulumi` invocation and the plugins it started.
  const files = readdirSync(cliTraces).filter((f) => f.endsWith('.strace'));
  assert.ok(files.length >= 5, `every CLI invocation was traced (${files.length} logs)`);
  const clientAudits = files.map((f) => parseStrace(join(cliTraces, f)));
  const clientRecords = clientAudits.flatMap((a) => a.records);
  console.log(`[network-audit] client: ${files.length} logs; ${clientAudits.map(summary).filter(Boolean).join(' | ')}`);
  assert.ok(
    clientRecords.some((r) => r.label === 'pulumi' && r.syscall === 'connect' && r.target.port === Number(new URL(hosted.apiUrl).port)),
    'the trace shows the CLI calling the api',
  );
  assert.deepEqual(
    clientAudits.flatMap((a) => violations(a)),
    [],
    'the CLI and its plugins addressed only loopback and unix sockets',
  );
});
