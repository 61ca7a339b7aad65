import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken } from '@stackyard/identity-domain';
import {
  IdentityDatabase,
  OAuthStateEntity,
  SamlConsumedAssertionEntity,
  SamlRequestEntity,
  SessionEntity,
} from '@stackyard/identity-feature-tokens';
import { httpsRequest } from '@stackyard/shared-launcher';
import { DatabaseLeaseStore, parseJobRuns } from '@stackyard/shared-leader-election';
import { runElectionScenarios } from '@stackyard/shared-leader-election-scenarios';
import { type EmbeddedPki, ensureEmbeddedPki } from '@stackyard/shared-tls';
import { findSamples, freePort, type PeerProcess, parsePrometheusText, spawnPeer, tempDir, waitUntil } from '@stackyard/testing';
import { IDENTITY_MIGRATIONS_TABLE } from './data-source';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';

const MAIN_SCRIPT = join(__dirname, 'main.js');
const LEASE = 'stackyard-identity';
/** Short timings so a handover takes seconds: lease 3 s, renew deadline 2 s, retry 0.5 s. */
const ELECTION_ENV = {
  STACKYARD_LEADER_ELECTION: 'database',
  STACKYARD_LEADER_ELECTION_LEASE_SECONDS: '3',
  STACKYARD_LEADER_ELECTION_RENEW_DEADLINE_SECONDS: '2',
  STACKYARD_LEADER_ELECTION_RETRY_PERIOD_SECONDS: '0.5',
  STACKYARD_SWEEP_INTERVAL_SECONDS: '1',
};

interface LeaseRow {
  holder: string;
  job_runs: string;
}

for (const engine of databaseEngines()) {
  void describe(`leader election on the database (${engine.name})`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let databaseUrl: string;
    let running: RunningIdentity;
    let second: PeerProcess;
    let secondUrl: string;

    const leaseRow = async (): Promise<LeaseRow | undefined> =>
      (await running.dataSource.query<LeaseRow[]>('SELECT holder, job_runs FROM leader_leases WHERE name = ?', [LEASE]))[0];
    const leaderGauge = async (url: string): Promise<number | undefined> => {
      const res = await httpsRequest(`${url}/metrics`, { ca: readFileSync(pki.caFile), cert: readFileSync(pki.services.api.certFile), key: readFileSync(pki.services.api.keyFile) });
      assert.equal(res.status, 200, res.text);
      return findSamples(parsePrometheusText(res.text), 'stackyard_leader_election_is_leader', { lease: LEASE })[0]?.value;
    };

    before(async () => {
      dir = tempDir('stackyard-leader-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      databaseUrl = await engine.newDatabaseUrl(dir, 'identity');
      const env = {
        STACKYARD_DATABASE_URL: databaseUrl,
        STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
        STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
        STACKYARD_INTERNAL_CA_FILE: pki.caFile,
        STACKYARD_BOOTSTRAP_ADMIN_TOKEN: generateAccessToken(),
        STACKYARD_LOG_FORMAT: 'json',
        ...ELECTION_ENV,
      };
      running = await startIdentity(loadIdentityConfig({ ...env, STACKYARD_PORT: '0', POD_NAME: 'identity-in-process' }));
      const port = await freePort();
      secondUrl = `https://127.0.0.1:${port}`;
      second = spawnPeer({
        name: 'identity-2',
        command: process.execPath,
        args: [MAIN_SCRIPT],
        logFile: join(dir, 'identity-2.log'),
        env: { PATH: process.env['PATH'], ...env, STACKYARD_PORT: String(port), POD_NAME: 'identity-child' },
      });
      await waitUntil(() => leaderGauge(secondUrl).then((value) => value !== undefined, () => false), { timeoutMs: 60_000, what: 'the second identity replica', peer: second });
    });

    after(async () => {
      await second?.stop();
      await running?.close();
      await engine.stop();
    });

    void it('the lease row passes the election properties with two clients (one leader, each period once, handover, stale leader first)', async () => {
      await runElectionScenarios(() => DatabaseLeaseStore.open(databaseUrl, 'scenario-lease', IDENTITY_MIGRATIONS_TABLE), {
        leaseName: 'scenario-lease',
        timings: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 },
        intervalMs: 1_000,
        runMs: 200,
      });
    });

    void it('two identity replicas: exactly one leads, and only its sweeper runs, once per period', async () => {
      await waitUntil(async () => parseJobRuns((await leaseRow())?.job_runs)['identity-sweeper'] !== undefined, { timeoutMs: 10_000, what: 'a leader whose sweeper has claimed a period' });
      const row = (await leaseRow())!;
      assert.ok(['identity-in-process', 'identity-child'].includes(row.holder), row.holder);
      const inProcessLeads = row.holder === 'identity-in-process';
      assert.equal(running.elector.isLeader(), inProcessLeads);
      assert.equal(await leaderGauge(running.url), inProcessLeads ? 1 : 0);
      assert.equal(await leaderGauge(secondUrl), inProcessLeads ? 0 : 1);
      // The claimed period advances once a second: each claim is one compare-and-set in the lease.
      const first = parseJobRuns(row.job_runs)['identity-sweeper'];
      assert.ok(first !== undefined, `the sweeper has claimed periods: ${row.job_runs}`);
      await sleep(2_500);
      const later = parseJobRuns((await leaseRow())!.job_runs)['identity-sweeper'];
      assert.ok(later >= first + 2 && later <= first + 3, `periods claimed: ${first} → ${later}`);
    });

    void it('the sweeper removes ended sessions and their console tokens, idle throttle rows and expired sign-in states, and nothing live', async () => {
      const database = new IdentityDatabase(running.dataSource);
      const repositories = database.repositories;
      const [admin] = await running.dataSource.query<Array<{ id: string }>>("SELECT id FROM users WHERE login = 'admin'");
      const now = Date.now();
      const session = (hash: string, expiresAt: number, revokedAt: number | null) =>
        Object.assign(new SessionEntity(), { tokenHash: hash.padEnd(64, '0'), userId: admin.id, provider: 'test', createdAt: now - 10_000, lastSeenAt: now - 10_000, idleTimeoutMs: 3_600_000, expiresAt, revokedAt, sourceIp: '127.0.0.1', userAgent: 'test' });
      await repositories.sessions.insert(session('expired', now - 1_000, null));
      await repositories.sessions.insert(session('revoked', now + 3_600_000, now - 1_000));
      await repositories.sessions.insert(session('live', now + 3_600_000, null));
      // The lockout (window) defaults to 900 s.
      await repositories.throttle.save('account:test:idle', { failures: 2, windowStartedAt: now - 901_000, lockedUntil: null });
      await repositories.throttle.save('account:test:open-window', { failures: 2, windowStartedAt: now - 10_000, lockedUntil: null });
      await repositories.throttle.save('account:test:locked', { failures: 5, windowStartedAt: now - 901_000, lockedUntil: now + 600_000 });
      const oauth = (hash: string, expiresAt: number) => Object.assign(new OAuthStateEntity(), { stateHash: hash.padEnd(64, '0'), provider: 'ghes', codeVerifier: null, createdAt: now - 1_000, expiresAt, consumedAt: null });
      await repositories.oauthStates.insert(oauth('expired', now - 1));
      await repositories.oauthStates.insert(oauth('live', now + 600_000));
      await repositories.samlRequests.insert(Object.assign(new SamlRequestEntity(), { requestId: '_expired', spEntityId: 'sp', expiresAt: now - 1 }));
      await repositories.samlRequests.insert(Object.assign(new SamlRequestEntity(), { requestId: '_live', spEntityId: 'sp', expiresAt: now + 600_000 }));
      await running.dataSource.getRepository(SamlConsumedAssertionEntity).insert({ assertionKey: 'expired', expiresAt: now - 1 });
      // Console-session tokens of ended sessions go; a live one and a person's own expired token stay.
      const token = (name: string, expiresAt: number | null, revokedAt: number | null) =>
        repositories.tokens.insert({ id: randomUUID(), userId: admin.id, orgId: null, kind: 'personal', name, description: '', tokenHash: randomBytes(32).toString('hex'), createdAt: now - 10_000, lastUsedAt: null, expiresAt, revokedAt });
      await token('console-session-expired', now - 1_000, null);
      await token('console-session-revoked', now + 3_600_000, now - 1_000);
      await token('console-session-live', now + 3_600_000, null);
      await token('laptop', now - 1_000, null);

      const count = async (table: string): Promise<number> => Number((await running.dataSource.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
      const tokenNames = async (): Promise<string[]> =>
        (await running.dataSource.query<Array<{ name: string }>>(`SELECT name FROM access_tokens WHERE name IN ('console-session-expired', 'console-session-revoked', 'console-session-live', 'laptop') ORDER BY name`)).map((r) => r.name);
      await waitUntil(async () => (await count('sessions')) === 1 && (await count('oauth_states')) === 1 && (await count('saml_consumed_assertions')) === 0 && (await tokenNames()).length === 2, {
        timeoutMs: 10_000,
        what: 'the sweep',
      });
      assert.deepEqual((await running.dataSource.query<Array<{ token_hash: string }>>('SELECT token_hash FROM sessions')).map((r) => r.token_hash), ['live'.padEnd(64, '0')]);
      assert.deepEqual(
        (await running.dataSource.query<Array<{ k: string }>>('SELECT throttle_key AS k FROM sign_in_throttle ORDER BY throttle_key')).map((r) => r.k),
        ['account:test:locked', 'account:test:open-window'],
      );
      assert.deepEqual((await running.dataSource.query<Array<{ request_id: string }>>('SELECT request_id FROM saml_requests')).map((r) => r.request_id), ['_live']);
      assert.deepEqual(await tokenNames(), ['console-session-live', 'laptop']);
    });

    void it('a stopped leader releases the lease: the other replica leads (and sweeps) within the lease duration', async () => {
      const holder = (await leaseRow())!.holder;
      const stoppedAt = Date.now();
      if (holder === 'identity-in-process') await running.elector.stop();
      else await second.stop(); // SIGTERM: Nest's shutdown hooks stop the sweeper and release the lease
      const successor = holder === 'identity-in-process' ? 'identity-child' : 'identity-in-process';
      await waitUntil(async () => (await leaseRow())?.holder === successor, { timeoutMs: 3_000, intervalMs: 50, what: `${successor} to lead` });
      assert.ok(Date.now() - stoppedAt < 3_000);
      const claimed = parseJobRuns((await leaseRow())!.job_runs)['identity-sweeper'];
      await waitUntil(async () => parseJobRuns((await leaseRow())!.job_runs)['identity-sweeper'] > claimed, { timeoutMs: 3_000, what: 'the successor to sweep' });
      if (successor === 'identity-in-process') assert.equal(await leaderGauge(running.url), 1);
      else assert.equal(await leaderGauge(secondUrl), 1);
    });
  });
}
