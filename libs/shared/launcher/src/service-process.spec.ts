import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ensureEmbeddedPki, type EmbeddedPki } from '@stackyard/shared-tls';
import { freePort } from './free-port';
import { httpsRequest } from './https-request.util';
import { ServiceProcess, type ServiceProcessSpec } from './service-process';

/** A stand-in service: HTTPS with the given cert, `/readyz` after a delay, graceful on SIGTERM. */
const FAKE_SERVICE = `
const https = require('node:https');
const fs = require('node:fs');
if (process.env.FAKE_CRASH) { console.error('fake: cannot start: ' + process.env.FAKE_CRASH); process.exit(3); }
const delay = Number(process.env.FAKE_READY_DELAY_MS || 0);
const started = Date.now();
const server = https.createServer(
  { cert: fs.readFileSync(process.env.STACKYARD_TLS_CERT_FILE), key: fs.readFileSync(process.env.STACKYARD_TLS_KEY_FILE) },
  (req, res) => {
    if (req.url === '/readyz' && Date.now() - started < delay) { res.statusCode = 503; res.end('{}'); return; }
    res.setHeader('connection', 'close');
    res.end(JSON.stringify({ pid: process.pid, secret: process.env.STACKYARD_SECRET_SETTING ?? null }));
  },
);
server.listen(Number(process.env.STACKYARD_PORT), '127.0.0.1', () => console.log('fake listening on ' + process.env.STACKYARD_PORT));
process.on('SIGTERM', () => {
  console.log('fake got SIGTERM');
  if (process.env.FAKE_MARKER) fs.writeFileSync(process.env.FAKE_MARKER, 'SIGTERM'); server.close(); server.closeAllConnections(); });
`;

/** Alive and not a zombie (an orphan may wait for its reaper a while). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

describe(ServiceProcess.name, () => {
  let dir: string;
  let pki: EmbeddedPki;
  let entry: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-service-process-'));
    pki = await ensureEmbeddedPki(join(dir, 'tls'), []);
    entry = join(dir, 'fake-service.js');
    writeFileSync(entry, FAKE_SERVICE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function spec(name: string, env: Record<string, string> = {}): Promise<ServiceProcessSpec> {
    const port = await freePort();
    return {
      name,
      entry,
      env: { PATH: process.env.PATH, STACKYARD_PORT: String(port), STACKYARD_TLS_CERT_FILE: pki.publicCertFile, STACKYARD_TLS_KEY_FILE: pki.publicKeyFile, ...env },
      port,
      url: `https://127.0.0.1:${port}`,
      caPem: readFileSync(pki.caFile, 'utf8'),
      logFile: join(dir, 'logs', `${name}.log`),
      readyTimeoutMs: 10_000,
    };
  }

  it('starts, waits for /readyz, logs output, and stops gracefully on SIGTERM', async () => {
    const s = await spec('graceful', { FAKE_READY_DELAY_MS: '300', STACKYARD_SECRET_SETTING: 'x' });
    const sut = new ServiceProcess(s);
    const t0 = Date.now();
    await sut.start();
    assert.ok(Date.now() - t0 >= 300, 'start() must wait until /readyz answers 200');
    assert.equal(sut.running, true);
    const res = await httpsRequest(`${sut.url}/`, { ca: s.caPem });
    assert.equal((JSON.parse(res.text) as { pid: number }).pid, sut.pid);
    await sut.stop();
    assert.equal(sut.running, false);
    const log = readFileSync(s.logFile, 'utf8');
    assert.match(log, /fake listening on \d+/);
    assert.match(log, /fake got SIGTERM/);
    assert.match(log, /graceful exited with code 0/);
  });

  it('restarts on the same port with a new pid, and kill9 leaves no chance to clean up', async () => {
    const s = await spec('restart');
    let unexpected = 0;
    const sut = new ServiceProcess({ ...s, onUnexpectedExit: () => unexpected++ });
    await sut.start();
    const firstPid = sut.pid;
    await sut.restart();
    assert.notEqual(sut.pid, firstPid);
    assert.equal(isAlive(firstPid!), false);
    const res = await httpsRequest(`${sut.url}/`, { ca: s.caPem });
    assert.equal(res.status, 200);
    await sut.kill9();
    assert.equal(sut.running, false);
    assert.doesNotMatch(readFileSync(s.logFile, 'utf8').split('starting restart').pop()!, /fake got SIGTERM/);
    assert.match(readFileSync(s.logFile, 'utf8'), /restart killed by SIGKILL/);
    assert.equal(unexpected, 0, 'stops the caller asked for are not reported as crashes');
  });

  it('reports a crash of a ready service through onUnexpectedExit', async () => {
    const s = await spec('crash');
    const crashes: Array<[string, number | null, string | null]> = [];
    const sut = new ServiceProcess({ ...s, onUnexpectedExit: (n, c, sig) => crashes.push([n, c, sig]) });
    await sut.start();
    process.kill(sut.pid!, 'SIGKILL');
    assert.ok(await waitUntil(() => crashes.length > 0, 5_000));
    assert.deepEqual(crashes, [['crash', null, 'SIGKILL']]);
  });

  it('fails fast with the log tail when the service exits before it is ready', async () => {
    const s = await spec('broken', { FAKE_CRASH: 'STACKYARD_DATABASE_URL is required' });
    const sut = new ServiceProcess(s);
    const t0 = Date.now();
    await assert.rejects(sut.start(), (error: Error) => {
      assert.match(error.message, /broken exited with code 3 before it was ready/);
      assert.match(error.message, /fake: cannot start: STACKYARD_DATABASE_URL is required/);
      return true;
    });
    assert.ok(Date.now() - t0 < 5_000, 'a dead process must not be waited on until the deadline');
  });

  it('refuses an entry point that was not built', () => {
    assert.throws(() => new ServiceProcess({ name: 'x', entry: join(dir, 'missing.js'), env: {}, port: 1, url: '', caPem: '', logFile: join(dir, 'x.log'), readyTimeoutMs: 1 }), /npm run build/);
  });

  for (const how of ['SIGKILL', 'exit'] as const) {
    it(`takes its services down when the parent process ends (${how})`, async () => {
      const marker = join(dir, `orphan-${how}.marker`);
      const s = await spec(`orphan-${how}`, { FAKE_MARKER: marker });
      // A parent process that starts the fake service and reports the child's pid.
      const parentScript = `
        const { ServiceProcess } = require(${JSON.stringify(join(__dirname, 'service-process.js'))});
        const sut = new ServiceProcess(${JSON.stringify(s)});
        sut.start().then(() => {
          console.log('PID ' + sut.pid);
          if (${JSON.stringify(how)} === 'exit') setTimeout(() => process.exit(0), 100);
        }, (e) => { console.error(e); process.exit(2); });
        setInterval(() => {}, 1000);
      `;
      const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
      assert.ok(await waitUntil(() => /PID \d+/.test(out), 10_000), `parent never reported a child pid: ${out}`);
      const childPid = Number(/PID (\d+)/.exec(out)![1]);
      assert.equal(isAlive(childPid), true);
      if (how === 'SIGKILL') parent.kill('SIGKILL');
      assert.ok(await waitUntil(() => !isAlive(childPid), 10_000), `service ${childPid} outlived its parent (${how})`);
      if (how === 'SIGKILL') {
        assert.equal(readFileSync(marker, 'utf8'), 'SIGTERM', 'an orphaned service is stopped gracefully');
        assert.match(readFileSync(s.logFile, 'utf8'), /fake got SIGTERM/, 'its shutdown output still reaches the log');
      }
    });
  }
});
