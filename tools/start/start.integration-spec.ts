import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freePorts, httpsRequest } from '@stackyard/shared-launcher';

const START = join(__dirname, 'start.js');

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** `npm start`'s program as an operator runs it: in the foreground, until a signal. */
describe('npm start (tools/start)', { timeout: 240_000 }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let apiPort: number;

  function start(): Started {
    const child = spawn(process.execPath, [START], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, stdout: () => out, stderr: () => err, exit };
  }

  async function waitForOutput(s: Started, text: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!s.stdout().includes(text)) {
      if (s.child.exitCode !== null || Date.now() > deadline) {
        assert.fail(`expected "${text}"; stdout:\n${s.stdout()}\nstderr:\n${s.stderr()}`);
      }
      await sleep(100);
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-start-it-'));
    const [api, consolePort, identity, secrets] = await freePorts(4);
    apiPort = api!;
    env = {
      ...process.env,
      STACKYARD_DATA_DIR: join(dir, 'data'),
      STACKYARD_PORT: String(api),
      STACKYARD_CONSOLE_PORT: String(consolePort),
      STACKYARD_IDENTITY_PORT: String(identity),
      STACKYARD_SECRETS_PORT: String(secrets),
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('first start: generates the admin token (0600, never printed) and prints the login steps', async () => {
    const s = start();
    try {
      await waitForOutput(s, 'Press Ctrl-C to stop.');
      const data = join(dir, 'data');
      const tokenFile = join(data, 'admin-token');
      const token = readFileSync(tokenFile, 'utf8').trim();
      assert.match(token, /^pul-[0-9a-f]{40}$/);
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      assert.ok(!s.stdout().includes(token) && !s.stderr().includes(token), 'the token itself is never printed');
      const apiUrl = `https://127.0.0.1:${apiPort}`;
      for (const line of [`export SSL_CERT_FILE=${join(data, 'tls', 'ca.pem')}`, `export PULUMI_ACCESS_TOKEN=$(cat ${tokenFile})`, `pulumi login ${apiUrl}`]) {
        assert.ok(s.stdout().includes(`\n  ${line}\n`), `missing login step: ${line}\n${s.stdout()}`);
      }
      assert.match(s.stdout(), /admin token \(generated now\)/);
      // The printed steps work: that CA and that token reach the api.
      const res = await httpsRequest(`${apiUrl}/api/user`, { ca: readFileSync(join(data, 'tls', 'ca.pem')), headers: { authorization: `token ${token}` } });
      assert.equal(res.status, 200, res.text);

      const services = childrenOf(s.child.pid!);
      assert.equal(services.length, 4, 'four service processes');
      s.child.kill('SIGINT');
      const { code } = await s.exit;
      assert.equal(code, 0, 'Ctrl-C is a normal stop');
      assert.match(s.stdout(), /received SIGINT; stopping Stackyard/);
      assert.deepEqual(services.filter(isAlive), [], 'no service outlives npm start');
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('second start keeps the token and the data', async () => {
    const before = readFileSync(join(dir, 'data', 'admin-token'), 'utf8');
    const s = start();
    try {
      await waitForOutput(s, 'Press Ctrl-C to stop.');
      assert.match(s.stdout(), /admin token \(kept from before\)/);
      assert.equal(readFileSync(join(dir, 'data', 'admin-token'), 'utf8'), before);
      s.child.kill('SIGTERM');
      const { code } = await s.exit;
      assert.equal(code, 143);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  it('fails with a clear message when the api port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(apiPort, '127.0.0.1', resolve));
    try {
      const s = start();
      const { code } = await s.exit;
      assert.equal(code, 1);
      assert.match(s.stderr(), new RegExp(`port ${apiPort} \\(api\\) is already in use; choose another with STACKYARD_PORT=<port>`));
    } finally {
      blocker.close();
    }
  });

  it('rejects invalid settings before starting anything', async () => {
    const s = spawn(process.execPath, [START], { env: { ...env, STACKYARD_PUBLIC_HOSTS: 'bad host' }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    s.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => s.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(err, /STACKYARD_PUBLIC_HOSTS: "bad host" is not a host name/);
  });

  it('exits non-zero with the failing service and its log when a service cannot start', async () => {
    // A damaged key file: the secrets service must refuse to start rather than make a new key.
    const data = join(dir, 'damaged');
    mkdirSync(join(data, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(join(data, 'keys', 'local-key'), 'not a key\n', { mode: 0o600 });
    const s = spawn(process.execPath, [START], { env: { ...env, STACKYARD_DATA_DIR: data }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    s.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => s.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(err, /a service failed to start/);
    assert.match(err, /secrets exited with code 1 before it was ready/);
    assert.match(err, /last lines of .*secrets\.log/);
  });
});
