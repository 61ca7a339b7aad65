import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { httpsRequest } from './https-request.util';
import { startSuite, type Suite } from './start-suite';

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The launcher against the real, built services (embedded mode): what `npm start`, the e2e tests
 * and the benchmarks rely on. Needs `npm run build` (scripts/test.sh does it).
 */
describe('startSuite (embedded, real services)', { timeout: 180_000 }, () => {
  let dir: string;
  let suite: Suite;
  let ca: string;
  const pids: number[] = [];

  const user = (base: string, token: string) => httpsRequest(`${base}/api/user`, { ca, headers: { authorization: `token ${token}` } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-launcher-it-'));
    // Settings meant for the launcher's host must not reach the services.
    process.env.STACKYARD_LEASE_SECONDS = '1';
    suite = await startSuite({ dataDir: join(dir, 'data'), leaseSeconds: 120 });
    delete process.env.STACKYARD_LEASE_SECONDS;
    ca = readFileSync(suite.caFile, 'utf8');
  });
  after(async () => {
    await suite?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts all four services, each ready over TLS that chains to the generated CA', async () => {
    const probe = { cert: readFileSync(suite.pki.services.api.certFile), key: readFileSync(suite.pki.services.api.keyFile) };
    for (const service of Object.values(suite.services)) {
      assert.equal(service.running, true, service.name);
      pids.push(service.pid!);
      const res = await httpsRequest(`${service.url}/readyz`, { ca, ...probe });
      assert.equal(res.status, 200, `${service.name} /readyz`);
    }
    assert.equal(new Set(Object.values(suite.services).map((s) => s.port)).size, 4, 'four distinct ports');
    const res = await user(suite.apiUrl, suite.adminToken);
    assert.equal(res.status, 200, res.text);
    assert.equal((JSON.parse(res.text) as { githubLogin: string }).githubLogin, suite.adminLogin);
  });

  it('keeps everything under the data directory, secrets owner-only', () => {
    const data = suite.dataDir;
    assert.match(readFileSync(join(data, 'admin-token'), 'utf8').trim(), /^pul-[0-9a-f]{40}$/);
    assert.equal(statSync(join(data, 'admin-token')).mode & 0o777, 0o600);
    assert.equal(statSync(join(data, 'tls', 'ca-key.pem')).mode & 0o777, 0o600);
    for (const file of ['tls/ca.pem', 'db/api.db', 'db/identity.db', 'db/secrets.db', 'keys/local-key', 'logs/api.log', 'logs/console-backend.log']) {
      assert.ok(existsSync(join(data, file)), `${file} exists`);
    }
    assert.equal(suite.apiEnv.STACKYARD_LEASE_SECONDS, '120', 'the launcher, not its host environment, configures services');
    assert.ok(!readFileSync(join(data, 'logs', 'identity.log'), 'utf8').includes(suite.adminToken), 'the admin token never reaches a log');
  });

  it('mints and revokes user tokens through identity over mutual TLS only', async () => {
    const minted = await suite.mintToken(suite.adminLogin, 'launcher-it');
    assert.notEqual(minted.token, suite.adminToken);
    assert.equal((await user(suite.apiUrl, minted.token)).status, 200);
    await suite.revokeToken(minted.id);
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await sleep(250);
      status = (await user(suite.apiUrl, minted.token)).status;
    }
    assert.equal(status, 401, 'a revoked token stops working within the cache window');
    // The same route without a service certificate is refused at the TLS handshake.
    await assert.rejects(
      httpsRequest(`${suite.services.identity.url}/internal/v1/tokens`, { ca, method: 'POST', body: { login: suite.adminLogin, name: 'x' } }),
      /certificate required/,
    );
  });

  it('runs a second api replica on the same database and object store', async () => {
    const replica = await suite.startExtraApi();
    pids.push(replica.pid!);
    assert.notEqual(replica.port, suite.services.api.port);
    const auth = { authorization: `token ${suite.adminToken}` };
    const created = await httpsRequest(`${suite.apiUrl}/api/stacks/${suite.org}/launcher-it`, { ca, method: 'POST', headers: auth, body: { stackName: 'shared' } });
    assert.equal(created.status, 200, created.text);
    const seen = await httpsRequest(`${replica.url}/api/stacks/${suite.org}/launcher-it/shared`, { ca, headers: auth });
    assert.equal(seen.status, 200, seen.text);
    assert.equal((JSON.parse(seen.text) as { stackName: string }).stackName, 'shared');
  });

  it('restarts a crashed service on the same port', async () => {
    const identity = suite.services.identity;
    const { port, pid } = identity;
    await identity.kill9();
    assert.equal(isAlive(pid!), false);
    await identity.restart();
    pids.push(identity.pid!);
    assert.equal(identity.port, port);
    assert.notEqual(identity.pid, pid);
    const minted = await suite.mintToken(suite.adminLogin, 'after-restart');
    assert.equal((await user(suite.apiUrl, minted.token)).status, 200);
  });

  it('stop() ends every process it started', async () => {
    await suite.stop();
    assert.deepEqual(pids.filter(isAlive), []);
    for (const service of Object.values(suite.services)) assert.equal(service.running, false);
  });
});
