import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken, hashAccessToken } from '@stackyard/identity-domain';
import { IdentityBootstrapService, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { IDENTITY_RESOLVE_PATH, type Principal } from '@stackyard/shared-contracts';
import { runMigrations } from '@stackyard/shared-db';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { type PeerProcess, spawnPeer, tempDir, waitUntil } from '@stackyard/testing';
import type { DataSource } from 'typeorm';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';

function serviceEnv(pki: EmbeddedPki, databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    STACKYARD_DATABASE_URL: databaseUrl,
    STACKYARD_PORT: '0',
    STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
    STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
    STACKYARD_INTERNAL_CA_FILE: pki.caFile,
    ...extra,
  };
}

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
}

/** An HTTPS call that trusts the CA but presents no client certificate. */
function withoutClientCert(pki: EmbeddedPki, url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, ca: readFileSync(pki.caFile), headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** How Node reports a server that demanded a client certificate the caller did not present. */
const TLS_REFUSED = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  assert.match(`${code} ${(error as Error).message}`, /CERTIFICATE_REQUIRED|certificate required|ECONNRESET|EPIPE|socket hang up/i);
  return true;
};

async function rejectsWithStatus(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

const resolvePrincipal = (client: InternalClient, token: string) => client.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: hashAccessToken(token) });

async function count(dataSource: DataSource, sql: string): Promise<number> {
  const rows = await dataSource.query<Array<{ n: number | string }>>(sql);
  return Number(rows[0].n);
}

async function bootstrapCounts(dataSource: DataSource) {
  return {
    siteAdmins: await count(dataSource, 'SELECT COUNT(*) AS n FROM users WHERE site_admin = 1'),
    users: await count(dataSource, 'SELECT COUNT(*) AS n FROM users'),
    organizations: await count(dataSource, 'SELECT COUNT(*) AS n FROM organizations'),
    memberships: await count(dataSource, "SELECT COUNT(*) AS n FROM memberships WHERE role = 'admin'"),
    bootstrapTokens: await count(dataSource, "SELECT COUNT(*) AS n FROM access_tokens WHERE name = 'bootstrap'"),
  };
}

const ONE_OF_EACH = { siteAdmins: 1, users: 1, organizations: 1, memberships: 1, bootstrapTokens: 1 };

for (const engine of databaseEngines()) {
  void describe(`identity service on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    before(async () => {
      dir = tempDir('stackyard-identity-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
    });
    after(() => engine.stop());

    void describe('a running service', () => {
      let databaseUrl: string;
      let running: RunningIdentity | undefined;
      let api: InternalClient;
      const adminToken = generateAccessToken();

      const start = async (token: string) => {
        running = await startIdentity(loadIdentityConfig(serviceEnv(pki, databaseUrl, { STACKYARD_BOOTSTRAP_ADMIN_TOKEN: token, STACKYARD_LOG_FORMAT: 'json' })));
        api?.close();
        api = clientAs(pki, 'api', running.url);
      };

      before(async () => {
        databaseUrl = await engine.newDatabaseUrl(dir, 'identity');
        await start(adminToken);
      });
      after(async () => {
        api?.close();
        await running?.close();
      });

      void it('resolves the bootstrap token to the site admin and their organization, for the api', async () => {
        const principal = await resolvePrincipal(api, adminToken);
        assert.equal(principal.login, 'admin');
        assert.equal(principal.siteAdmin, true);
        assert.deepEqual(principal.organizations, [{ name: 'stackyard', role: 'admin' }]);
        assert.equal(principal.token.name, 'bootstrap');
        assert.equal(principal.token.kind, 'personal');
        assert.match(principal.userId, /^[0-9a-f-]{36}$/);
      });

      void it('also serves the console backend', async () => {
        const console = clientAs(pki, 'console-backend', running!.url);
        try {
          assert.equal((await resolvePrincipal(console, adminToken)).login, 'admin');
        } finally {
          console.close();
        }
      });

      void it('refuses a caller without a client certificate at the handshake, health probes included', async () => {
        await assert.rejects(withoutClientCert(pki, `${running!.url}${IDENTITY_RESOLVE_PATH}`, 'POST', { tokenHash: hashAccessToken(adminToken) }), TLS_REFUSED);
        await assert.rejects(withoutClientCert(pki, `${running!.url}/healthz`, 'GET'), TLS_REFUSED);
        // Probes present a certificate from the installation's CA (the launcher uses the service's own).
        const probe = clientAs(pki, 'identity', running!.url);
        try {
          assert.deepEqual(await probe.get('/healthz'), { status: 'ok' });
          assert.deepEqual(await probe.get('/readyz'), { status: 'ready' });
        } finally {
          probe.close();
        }
      });

      void it('refuses a mutually authenticated service that is not allowed (secrets) with 403', async () => {
        const secrets = clientAs(pki, 'secrets', running!.url);
        try {
          await rejectsWithStatus(resolvePrincipal(secrets, adminToken), 403, /^Forbidden: /);
          await rejectsWithStatus(secrets.post('/internal/v1/tokens', { login: 'mallory', name: 'x' }), 403, /^Forbidden: /);
        } finally {
          secrets.close();
        }
      });

      void it('answers 401 "Unauthorized: …" for an unknown token and 400 for a malformed hash', async () => {
        await rejectsWithStatus(resolvePrincipal(api, generateAccessToken()), 401, /^Unauthorized: the access token is not recognised$/);
        await rejectsWithStatus(api.post(IDENTITY_RESOLVE_PATH, { tokenHash: 'not-a-hash' }), 400, /^Bad Request: tokenHash/);
      });

      void it('mints a token for a new user, who joins the bootstrap organization as a member', async () => {
        const created = await api.post<{ id: string; token: string }>('/internal/v1/tokens', { login: 'bob', name: 'ci' });
        assert.match(created.token, /^pul-[0-9a-f]{40}$/);
        const principal = await resolvePrincipal(api, created.token);
        assert.equal(principal.login, 'bob');
        assert.equal(principal.siteAdmin, false);
        assert.deepEqual(principal.organizations, [{ name: 'stackyard', role: 'member' }]);
        assert.deepEqual(principal.token, { id: created.id, name: 'ci', kind: 'personal' });
        // Only the hash is stored.
        const stored = await running!.dataSource.query<Array<{ token_hash: string }>>('SELECT token_hash FROM access_tokens WHERE id = ?', [created.id]);
        assert.deepEqual(stored, [{ token_hash: hashAccessToken(created.token) }]);
      });

      void it('keeps token names unique per user, including revoked ones (409)', async () => {
        await api.post('/internal/v1/tokens', { login: 'carol', name: 'laptop' });
        await rejectsWithStatus(api.post('/internal/v1/tokens', { login: 'carol', name: 'laptop' }), 409, /^Conflict: .*laptop/);
        // Another user may use the same name.
        await api.post('/internal/v1/tokens', { login: 'dave', name: 'laptop' });
      });

      void it('stops accepting a revoked token (401), and revoking is idempotent; unknown ids are 404', async () => {
        const created = await api.post<{ id: string; token: string }>('/internal/v1/tokens', { login: 'erin', name: 'temp' });
        assert.equal((await resolvePrincipal(api, created.token)).login, 'erin');
        await api.call('DELETE', `/internal/v1/tokens/${created.id}`, undefined);
        await rejectsWithStatus(resolvePrincipal(api, created.token), 401, /^Unauthorized: the access token has been revoked$/);
        await api.call('DELETE', `/internal/v1/tokens/${created.id}`, undefined);
        await rejectsWithStatus(api.call('DELETE', '/internal/v1/tokens/00000000-0000-4000-8000-000000000000', undefined), 404, /^Not Found: /);
      });

      void it('stops accepting a token once it expires (401)', async () => {
        const created = await api.post<{ id: string; token: string }>('/internal/v1/tokens', { login: 'frank', name: 'short', expiresInSeconds: 1 });
        assert.equal((await resolvePrincipal(api, created.token)).login, 'frank');
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await rejectsWithStatus(resolvePrincipal(api, created.token), 401, /^Unauthorized: the access token has expired$/);
      });

      void it('validates token requests (400)', async () => {
        await rejectsWithStatus(api.post('/internal/v1/tokens', { login: 'no spaces', name: '' }), 400, /^Bad Request: login must be .*; name must be/);
      });

      void it('records when a token was last used', async () => {
        const rows = await running!.dataSource.query<Array<{ last_used_at: number | string | null }>>("SELECT last_used_at FROM access_tokens WHERE name = 'bootstrap'");
        assert.ok(rows[0].last_used_at !== null && Number(rows[0].last_used_at) > Date.now() - 120_000);
      });

      void it('restarts idempotently: one admin, the old token still works, a changed token is ignored', async () => {
        await running!.close();
        running = undefined;
        const changed = generateAccessToken();
        await start(changed);
        assert.deepEqual(await bootstrapCounts(running!.dataSource), { ...ONE_OF_EACH, users: 6 });
        assert.equal((await resolvePrincipal(api, adminToken)).login, 'admin');
        await rejectsWithStatus(resolvePrincipal(api, changed), 401, /not recognised/);
      });
    });

    void describe('bootstrap under concurrency', () => {
      void it('concurrent bootstraps in one process create one admin (transactions retried on conflict)', async () => {
        const url = await engine.newDatabaseUrl(dir, 'concurrent');
        // SQLite: one DataSource per process (its transactions queue); MariaDB: one pool per "replica".
        const sources = Array.from({ length: engine.sqlite ? 1 : 4 }, () => createIdentityDataSource(url));
        try {
          for (const ds of sources) await ds.initialize();
          await runMigrations(sources[0], IDENTITY_MIGRATION_LOCK);
          const token = generateAccessToken();
          const outcomes = await Promise.all(
            Array.from({ length: 6 }, (_, i) => new IdentityBootstrapService(new IdentityDatabase(sources[i % sources.length])).run({ token, login: 'admin', organization: 'stackyard' })),
          );
          assert.deepEqual(outcomes.filter((o) => o === 'created'), ['created']);
          assert.deepEqual(await bootstrapCounts(sources[0]), ONE_OF_EACH);
        } finally {
          for (const ds of sources) if (ds.isInitialized) await ds.destroy();
        }
      });

      void it('two replica processes starting at once create one admin, and both serve its token', async () => {
        const url = await engine.newDatabaseUrl(dir, 'replicas');
        const token = generateAccessToken();
        const env = (extra: Record<string, string> = {}) => ({ PATH: process.env['PATH'], ...serviceEnv(pki, url, { STACKYARD_BOOTSTRAP_ADMIN_TOKEN: token, ...extra }) });
        if (engine.sqlite) {
          // Embedded SQLite is one machine: the schema is prepared once (what the chart's Job does)
          // and the replicas only bootstrap. On MariaDB both also race to migrate (named lock).
          const migrate = spawnPeer({ name: 'identity-migrate', command: process.execPath, args: [join(__dirname, 'migrate.js')], logFile: join(dir, 'migrate.log'), env: env() });
          await migrate.exited;
          assert.equal(migrate.exitStatus(), 'exit code 0', migrate.logTail());
          assert.match(migrate.logTail(), /identity: applied migrations CreateIdentitySchema/);
        }
        const replicas: PeerProcess[] = [1, 2].map((n) =>
          spawnPeer({
            name: `identity-${n}`,
            command: process.execPath,
            args: [join(__dirname, 'main.js')],
            logFile: join(dir, `replica-${n}-${engine.name}.log`),
            env: env({ STACKYARD_MIGRATE_ON_START: engine.sqlite ? 'false' : 'true', STACKYARD_LOG_FORMAT: 'text' }),
          }),
        );
        try {
          const urls = await Promise.all(
            replicas.map(async (replica) => {
              let found: string | undefined;
              await waitUntil(
                () => {
                  found = /identity listening on (https:\/\/[0-9.]+:\d+)/.exec(replica.logTail(200))?.[1];
                  return Promise.resolve(found !== undefined);
                },
                { what: replica.name, timeoutMs: 60_000, peer: replica },
              );
              return found!;
            }),
          );
          for (const replicaUrl of urls) {
            const client = clientAs(pki, 'api', replicaUrl);
            try {
              assert.equal((await resolvePrincipal(client, token)).login, 'admin');
            } finally {
              client.close();
            }
          }
          const check = createIdentityDataSource(url);
          await check.initialize();
          try {
            assert.deepEqual(await bootstrapCounts(check), ONE_OF_EACH);
          } finally {
            await check.destroy();
          }
          for (const replica of replicas) assert.ok(!replica.logTail(500).includes(token), 'the token never appears in logs');
        } finally {
          await Promise.all(replicas.map((r) => r.stop()));
        }
      });

      void it('refuses to start on an unmigrated database when migrating at start is off', async () => {
        const url = await engine.newDatabaseUrl(dir, 'unmigrated');
        await assert.rejects(startIdentity(loadIdentityConfig(serviceEnv(pki, url, { STACKYARD_MIGRATE_ON_START: 'false' }))), /pending migrations/);
      });
    });
  });
}

void describe('identity main entry', () => {
  void it('exits 1 on a weak bootstrap token with a plain message that does not contain it', async () => {
    const dir = tempDir('stackyard-identity-main');
    const weak = 'admin-admin-admin-admin-admin-admin';
    const child = spawnPeer({
      name: 'identity-weak',
      command: process.execPath,
      args: [join(__dirname, 'main.js')],
      logFile: join(dir, 'main.log'),
      env: { PATH: process.env['PATH'], STACKYARD_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, STACKYARD_BOOTSTRAP_ADMIN_TOKEN: weak },
    });
    await child.exited;
    assert.equal(child.exitStatus(), 'exit code 1');
    const log = child.logTail();
    assert.match(log, /identity cannot start: invalid configuration/);
    assert.match(log, /STACKYARD_BOOTSTRAP_ADMIN_TOKEN is too weak/);
    assert.match(log, /STACKYARD_TLS_CERT_FILE/);
    assert.ok(!log.includes(weak));
  });
});
