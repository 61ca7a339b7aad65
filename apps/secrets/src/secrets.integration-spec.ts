import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KekMismatchError } from '@stackyard/secrets-domain';
import { type DecryptValuesResponse, type EncryptValuesResponse, secretsDecryptPath, secretsEncryptPath } from '@stackyard/shared-contracts';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { type MariadbPeer, spawnPeer, startMariadb, tempDir } from '@stackyard/testing';
import { loadSecretsConfig } from './secrets.config';
import { type RunningSecrets, startSecrets } from './start-secrets';
import { secretsTestEnv } from './testing/secrets-test-env';

/** Each engine gives fresh, empty databases; MariaDB is a real server (or STACKYARD_TEST_MYSQL_URL). */
interface Engine {
  name: string;
  newDatabaseUrl(dir: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

function sqliteEngine(): Engine {
  return { name: 'SQLite', newDatabaseUrl: (dir, name) => Promise.resolve(`sqlite:${join(dir, `${name}.db`)}`), stop: () => Promise.resolve() };
}

function mariadbEngine(): Engine {
  let peer: Promise<MariadbPeer> | undefined;
  return {
    name: 'MariaDB',
    // No skip when the server is missing: startMariadb fails with how to provision it.
    newDatabaseUrl: async () => (await (peer ??= startMariadb())).createDatabase(),
    stop: async () => {
      const started = await peer?.catch(() => undefined);
      await started?.stop();
    },
  };
}

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'secrets', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
}

/** An HTTPS call that trusts the CA but presents no client certificate. */
function withoutClientCert(pki: EmbeddedPki, url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: readFileSync(pki.caFile), headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.match(error.message, message);
    return true;
  });
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const encrypt = (client: InternalClient, stackId: string, plaintexts: string[]) => client.post<EncryptValuesResponse>(secretsEncryptPath(stackId), { plaintexts });
const decrypt = (client: InternalClient, stackId: string, ciphertexts: string[]) => client.post<DecryptValuesResponse>(secretsDecryptPath(stackId), { ciphertexts });

for (const engine of [sqliteEngine(), mariadbEngine()]) {
  void describe(`secrets service on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let databaseUrl: string;
    let keyFile: string;
    let running: RunningSecrets | undefined;
    let api: InternalClient;
    const stackA = '3b0f9a56-8d1e-4c7b-a2f4-6e5d4c3b2a19';
    const stackB = '9c8b7a6f-5e4d-4c3b-8a29-1f0e0d0c0b0a';

    const start = async (extra: Record<string, string> = {}) => {
      const service = await startSecrets(loadSecretsConfig(secretsTestEnv(pki, databaseUrl, { STACKYARD_LOCAL_KEY_FILE: keyFile, STACKYARD_GENERATE_LOCAL_KEY: 'true', ...extra })));
      return service;
    };

    before(async () => {
      dir = tempDir('stackyard-secrets-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      databaseUrl = await engine.newDatabaseUrl(dir, 'secrets');
      keyFile = join(dir, 'keys', 'kek');
      running = await start();
      api = clientAs(pki, 'api', running.url);
    });
    after(async () => {
      api?.close();
      await running?.close();
      await engine.stop();
    });

    void it('generated the key-encryption key on first start, owner-only', () => {
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      assert.match(readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    });

    void it('round-trips values in order for the api, identity and the console backend', async () => {
      const plaintexts = [b64('hunter2'), '', b64(randomBytes(300)), b64('ünïcødé ✓')];
      const { ciphertexts } = await encrypt(api, stackA, plaintexts);
      assert.equal(ciphertexts.length, plaintexts.length);
      assert.notEqual(ciphertexts[0], plaintexts[0]);
      for (const peer of ['api', 'identity', 'console-backend'] as const) {
        const client = clientAs(pki, peer, running!.url);
        try {
          assert.deepEqual((await decrypt(client, stackA, ciphertexts)).plaintexts, plaintexts, peer);
        } finally {
          client.close();
        }
      }
    });

    void it('refuses callers without a client certificate at the handshake, and a non-allowed service with 403', async () => {
      await assert.rejects(withoutClientCert(pki, `${running!.url}${secretsEncryptPath(stackA)}`, { plaintexts: [b64('x')] }), (error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        assert.match(`${code} ${(error as Error).message}`, /CERTIFICATE_REQUIRED|certificate required|ECONNRESET|EPIPE|socket hang up/i);
        return true;
      });
      const self = clientAs(pki, 'secrets', running!.url);
      try {
        await rejectsWithStatus(encrypt(self, stackA, [b64('x')]), 403, /^Forbidden: /);
      } finally {
        self.close();
      }
    });

    void it('stores the data key only wrapped, with the KEK id and version', async () => {
      type Row = { wrapped_key: string; kek_id: string; kek_version: number };
      const rows = await running!.dataSource.query<Row[]>('SELECT wrapped_key, kek_id, kek_version FROM stack_data_keys WHERE stack_id = ?', [stackA]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].kek_id, running!.keyProvider.keyId);
      assert.equal(Number(rows[0].kek_version), 1);
      assert.equal(Buffer.from(rows[0].wrapped_key, 'base64').length, 61);
    });

    void it('answers 400 for ciphertexts of another stack, of a stack without a key, and tampered ones', async () => {
      const { ciphertexts } = await encrypt(api, stackA, [b64('only for A')]);
      await rejectsWithStatus(decrypt(api, stackB, ciphertexts), 400, /^Bad Request: stack '.*' has no data key/);
      await encrypt(api, stackB, [b64('B has a key now')]);
      await rejectsWithStatus(decrypt(api, stackB, ciphertexts), 400, /^Bad Request: ciphertexts\[0\] cannot be decrypted for this stack \(authentication-failed\)/);
      const envelope = Buffer.from(ciphertexts[0], 'base64');
      // Every byte: format, data-key version, nonce, ciphertext and tag (the stack id is bound by the AAD, tested above).
      for (let position = 0; position < envelope.length; position++) {
        const tampered = Buffer.from(envelope);
        tampered[position] = tampered[position] ^ 0x20;
        // A flipped key-version byte names a version the stack does not have: refused by name.
        await rejectsWithStatus(decrypt(api, stackA, [tampered.toString('base64')]), 400, /^Bad Request: (ciphertexts\[0\] cannot be decrypted|stack '[^']+' has no data key v\d+)/);
      }
      await rejectsWithStatus(decrypt(api, stackA, [envelope.subarray(0, 20).toString('base64')]), 400, /truncated/);
    });

    void it('validates input with 400', async () => {
      await rejectsWithStatus(api.post(secretsEncryptPath(stackA), { plaintexts: 'x' }), 400, /^Bad Request: plaintexts must be an array/);
      await rejectsWithStatus(api.post(secretsEncryptPath(stackA), { plaintexts: ['%%%'] }), 400, /plaintexts\[0\] must be a standard base64/);
      await rejectsWithStatus(api.post(secretsDecryptPath(stackA), {}), 400, /ciphertexts must be an array/);
      await rejectsWithStatus(api.post(secretsEncryptPath(stackA), { plaintexts: Array<string>(10_001).fill('') }), 400, /at most 10000/);
      await rejectsWithStatus(api.post(secretsEncryptPath('a.b'), { plaintexts: [] }), 400, /stack id/);
    });

    void it('two replicas creating the key of a new stack at once agree on one key', async () => {
      const second = await start();
      const other = clientAs(pki, 'api', second.url);
      try {
        const stack = 'race-0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
        const [fromFirst, fromSecond] = await Promise.all([encrypt(api, stack, [b64('one')]), encrypt(other, stack, [b64('two')])]);
        assert.deepEqual((await decrypt(other, stack, fromFirst.ciphertexts)).plaintexts, [b64('one')]);
        assert.deepEqual((await decrypt(api, stack, fromSecond.ciphertexts)).plaintexts, [b64('two')]);
        const rows = await running!.dataSource.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM stack_data_keys WHERE stack_id = ?', [stack]);
        assert.equal(Number(rows[0].n), 1);
      } finally {
        other.close();
        await second.close();
      }
    });

    void it('restarts with the same KEK and still decrypts what it encrypted before', async () => {
      const { ciphertexts } = await encrypt(api, stackA, [b64('survives a restart')]);
      api.close();
      await running!.close();
      running = await start();
      api = clientAs(pki, 'api', running.url);
      assert.deepEqual((await decrypt(api, stackA, ciphertexts)).plaintexts, [b64('survives a restart')]);
    });

    void it('refuses to start with another KEK, naming the problem', async () => {
      const wrongKey = join(dir, 'wrong-kek');
      writeFileSync(wrongKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      await assert.rejects(start({ STACKYARD_LOCAL_KEY_FILE: wrongKey }), (error: unknown) => {
        assert.ok(error instanceof KekMismatchError);
        assert.match(error.message, /^the key-encryption key does not match the one this database was created with/);
        return true;
      });
    });
  });
}

void describe('secrets main entry', () => {
  let dir: string;
  let pki: EmbeddedPki;
  before(async () => {
    dir = tempDir('stackyard-secrets-main');
    pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
  });

  void it("starts from Pulumi's PULUMI_LOCAL_KEYS folder holding a raw 32-byte key", async () => {
    const folder = join(dir, 'pulumi-keys');
    mkdirSync(folder);
    writeFileSync(join(folder, 'key'), randomBytes(32), { mode: 0o600 });
    const running = await startSecrets(loadSecretsConfig(secretsTestEnv(pki, `sqlite:${join(dir, 'alias.db')}`, { PULUMI_LOCAL_KEYS: folder })));
    const api = clientAs(pki, 'api', running.url);
    try {
      const { ciphertexts } = await encrypt(api, 'alias-stack', [b64('via alias')]);
      assert.deepEqual((await decrypt(api, 'alias-stack', ciphertexts)).plaintexts, [b64('via alias')]);
    } finally {
      api.close();
      await running.close();
    }
  });

  void it('exits 1 with a plain message when the KEK does not match the database', async () => {
    const db = `sqlite:${join(dir, 'main.db')}`;
    const run = async (name: string, key: Buffer) => {
      const keyPath = join(dir, `${name}.key`);
      writeFileSync(keyPath, key.toString('hex'), { mode: 0o600 });
      const child = spawnPeer({
        name,
        command: process.execPath,
        args: [join(__dirname, 'migrate.js')],
        logFile: join(dir, `${name}-migrate.log`),
        env: { PATH: process.env['PATH'], ...secretsTestEnv(pki, db, { STACKYARD_LOCAL_KEY_FILE: keyPath }) },
      });
      await child.exited;
      assert.equal(child.exitStatus(), 'exit code 0', child.logTail());
      return keyPath;
    };
    const goodKey = await run('first', randomBytes(32));
    // First start stores the canary with the good key, then the service is stopped.
    const first = await startSecrets(loadSecretsConfig(secretsTestEnv(pki, db, { STACKYARD_LOCAL_KEY_FILE: goodKey, STACKYARD_MIGRATE_ON_START: 'false' })));
    await first.close();
    const wrongKey = await run('second', randomBytes(32));
    const child = spawnPeer({
      name: 'secrets-wrong-kek',
      command: process.execPath,
      args: [join(__dirname, 'main.js')],
      logFile: join(dir, 'wrong-kek.log'),
      env: { PATH: process.env['PATH'], ...secretsTestEnv(pki, db, { STACKYARD_LOCAL_KEY_FILE: wrongKey, STACKYARD_MIGRATE_ON_START: 'false' }) },
    });
    await child.exited;
    assert.equal(child.exitStatus(), 'exit code 1');
    assert.match(child.logTail(), /secrets cannot start: the key-encryption key does not match the one this database was created with/);
    assert.ok(!child.logTail().includes(readFileSync(wrongKey, 'utf8')), 'the key never appears in the output');
  });
});
