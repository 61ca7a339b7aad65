import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type ObjectKeyResponse, secretsEncryptPath, secretsObjectKeyPath } from '@stackyard/shared-contracts';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { tempDir } from '@stackyard/testing';
import { loadSecretsConfig } from './secrets.config';
import { type RunningSecrets, startSecrets } from './start-secrets';
import { secretsTestEnv } from './testing/secrets-test-env';

/**
 * `POST /internal/v1/stacks/:stackId/object-key` on a running secrets service (mutual TLS, SQLite):
 * the api's object-storage key is derived from the stack's data key, stable per version, different
 * per stack and per version, and only the api may ask for it.
 */
const run = promisify(execFile);
const ADMIN = resolve(__dirname, 'admin.js');

void describe('secrets service: object-storage keys for the api', () => {
  let dir: string;
  let pki: EmbeddedPki;
  let env: NodeJS.ProcessEnv;
  let running: RunningSecrets | undefined;
  const clients: InternalClient[] = [];
  const stackA = '3b0f9a56-8d1e-4c7b-a2f4-6e5d4c3b2a19';
  const stackB = '9c8b7a6f-5e4d-4c3b-8a29-1f0e0d0c0b0a';

  const clientAs = (service: ServiceName): InternalClient => {
    const { certFile, keyFile } = pki.services[service];
    const client = new InternalClient({ baseUrl: running!.url, expectService: 'secrets', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
    clients.push(client);
    return client;
  };
  const objectKey = (client: InternalClient, stackId: string, keyVersion?: number) =>
    client.post<ObjectKeyResponse>(secretsObjectKeyPath(stackId), keyVersion === undefined ? {} : { keyVersion });
  const rejectsWith = (promise: Promise<unknown>, status: number, message?: RegExp) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
      assert.equal(error.status, status);
      if (message) assert.match(error.message, message);
      return true;
    });

  before(async () => {
    dir = tempDir('stackyard-secrets-object-key');
    pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
    env = secretsTestEnv(pki, `sqlite:${join(dir, 'secrets.db')}`, { STACKYARD_LOCAL_KEY_FILE: join(dir, 'keys', 'kek'), STACKYARD_GENERATE_LOCAL_KEY: 'true' });
    running = await startSecrets(loadSecretsConfig(env));
  });
  after(async () => {
    for (const client of clients) client.close();
    await running?.close();
  });

  void it('creates the data key on first use and answers a 32-byte key of version 1, the same every time', async () => {
    const api = clientAs('api');
    const first = await objectKey(api, stackA);
    assert.equal(first.keyVersion, 1);
    assert.equal(Buffer.from(first.key, 'base64').length, 32);
    assert.deepEqual(await objectKey(api, stackA), first);
    assert.deepEqual(await objectKey(api, stackA, 1), first);
  });

  void it('differs per stack, and per data-key version after a rotation; older versions stay the same', async () => {
    const api = clientAs('api');
    const a1 = await objectKey(api, stackA, 1);
    const b1 = await objectKey(api, stackB);
    assert.equal(b1.keyVersion, 1);
    assert.notEqual(b1.key, a1.key);
    // The admin command adds version 2 to the live database (as an operator would).
    const rotated = await run(process.execPath, [ADMIN, 'rotate-data-key', '--stack-id', stackA], { env: { PATH: process.env.PATH, ...env } });
    assert.match(rotated.stdout, /now seals with data key v2/);
    const a2 = await objectKey(api, stackA, 2);
    assert.equal(a2.keyVersion, 2);
    assert.notEqual(a2.key, a1.key);
    assert.deepEqual(await objectKey(api, stackA, 1), a1, 'version 1 keeps deriving the same key');
    assert.deepEqual(await objectKey(api, stackA, 2), a2);
    await rejectsWith(objectKey(api, stackA, 3), 404, /has no data key v3/);
    await rejectsWith(objectKey(api, stackB, 2), 404);
  });

  void it('derives, not stores: a restarted service (empty caches, keys unwrapped again) answers the same keys', async () => {
    const v1 = await objectKey(clientAs('api'), stackA, 1);
    const v2 = await objectKey(clientAs('api'), stackA, 2);
    await running!.close();
    running = await startSecrets(loadSecretsConfig(env));
    assert.deepEqual(await objectKey(clientAs('api'), stackA, 1), v1);
    assert.deepEqual(await objectKey(clientAs('api'), stackA), v2, 'the newest version is 2 after the rotation');
  });

  void it('refuses every peer but the api with 403, which may still use encrypt/decrypt', async () => {
    for (const peer of ['identity', 'console-backend'] as const) {
      await rejectsWith(objectKey(clientAs(peer), stackA), 403, /for the api only \(caller: (identity|console-backend)\)/);
      await rejectsWith(objectKey(clientAs(peer), stackA, 1), 403);
      assert.deepEqual(await clientAs(peer).post(secretsEncryptPath(stackA), { plaintexts: [] }), { ciphertexts: [] }, `${peer} still encrypts`);
    }
    await rejectsWith(objectKey(clientAs('secrets'), stackA), 403, /accepts only mutually authenticated/);
  });

  void it('validates the body and the stack id with 400', async () => {
    const api = clientAs('api');
    for (const body of [{ keyVersion: 0 }, { keyVersion: '1' }, { keyVersion: 1.5 }, { other: true }, []]) {
      await rejectsWith(api.post(secretsObjectKeyPath(stackA), body), 400);
    }
    await rejectsWith(objectKey(api, 'bad.id'), 400);
  });
});
