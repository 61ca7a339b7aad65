import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KeyRing, LocalKeyProvider, openValue, sealValue, stackKeyContext } from '@stackyard/secrets-domain';
import { DataKeyService, KekCanaryRepository, KekCanaryService, KeyRotationService, SECRETS_ENTITIES, SecretValuesService, StackDataKeyRepository, ValueCipherPool } from '@stackyard/secrets-feature-keys';
import { ApiError } from '@stackyard/shared-errors';
import { createDataSource, runMigrations } from '@stackyard/shared-db';
import { type MariadbPeer, startMariadb, tempDir } from '@stackyard/testing';
import type { DataSource } from 'typeorm';
import { createSecretsDataSource, SECRETS_MIGRATION_LOCK, SECRETS_MIGRATIONS, SECRETS_MIGRATIONS_TABLE } from './data-source';

/**
 * Data-key versions and the online key operations against real databases (SQLite and MariaDB):
 * the migration keeps every existing key as version 1, re-wrapping moves every key to a new KEK
 * while the old one still opens them, and the admin command refuses to touch a database whose
 * canary its keys do not open.
 */
const run = promisify(execFile);
const ADMIN = resolve(__dirname, 'admin.js');

interface Engine {
  name: string;
  newDatabaseUrl(dir: string): Promise<string>;
  stop(): Promise<void>;
}

function engines(): Engine[] {
  let peer: Promise<MariadbPeer> | undefined;
  return [
    { name: 'SQLite', newDatabaseUrl: (dir) => Promise.resolve(`sqlite:${join(dir, `secrets-${randomBytes(3).toString('hex')}.db`)}`), stop: () => Promise.resolve() },
    {
      name: 'MariaDB',
      newDatabaseUrl: async () => (await (peer ??= startMariadb())).createDatabase(),
      stop: async () => (await peer?.catch(() => undefined))?.stop(),
    },
  ];
}

const options = { cacheMaxEntries: 100, cacheTtlMs: 60_000 };

for (const engine of engines()) {
  void describe(`secrets key rotation on ${engine.name}`, () => {
    let dir: string;
    after(() => engine.stop());
    before(() => {
      dir = tempDir('stackyard-secrets-rotation');
    });

    const open = async (url: string): Promise<DataSource> => {
      const ds = createSecretsDataSource(url);
      await ds.initialize();
      await runMigrations(ds, SECRETS_MIGRATION_LOCK);
      return ds;
    };

    void it('the data-key-versions migration keeps every existing key as version 1, and reverts', async () => {
      const url = await engine.newDatabaseUrl(dir);
      const kek = new LocalKeyProvider(randomBytes(32));
      // The schema as the first release shipped it, with one stored key.
      const first = createDataSource({ url, entities: SECRETS_ENTITIES, migrations: SECRETS_MIGRATIONS.slice(0, 1), migrationsTableName: SECRETS_MIGRATIONS_TABLE });
      await first.initialize();
      await runMigrations(first, SECRETS_MIGRATION_LOCK);
      const raw = randomBytes(32);
      const wrapped = await kek.wrap(raw, stackKeyContext('old-stack'));
      await first.query('INSERT INTO stack_data_keys (stack_id, wrapped_key, kek_id, kek_version, created_at) VALUES (?, ?, ?, ?, ?)', [
        'old-stack',
        wrapped.wrapped.toString('base64'),
        wrapped.keyId,
        wrapped.keyVersion,
        Date.now(),
      ]);
      await first.destroy();

      const ds = await open(url);
      try {
        const keys = new DataKeyService(new StackDataKeyRepository(ds), kek, options);
        const key = await keys.forEncrypt('old-stack');
        assert.equal(key.version, 1, 'the existing key became version 1');
        const sealedBefore = sealValue(key.key, 1, 'old-stack', Buffer.from('kept'));
        assert.equal(await keys.rotate('old-stack'), 2);
        assert.equal(await keys.rotate('old-stack'), 3);
        const fresh = new DataKeyService(new StackDataKeyRepository(ds), kek, options);
        assert.deepEqual(openValue((await fresh.forDecrypt('old-stack', 1))!.key, 1, 'old-stack', sealedBefore), Buffer.from('kept'));
        assert.equal((await fresh.forEncrypt('old-stack')).version, 3);
        await ds.undoLastMigration({ transaction: 'each' });
        const rows = await ds.query<unknown[]>('SELECT stack_id FROM stack_data_keys');
        assert.equal(rows.length, 1, 'reverting keeps version 1 and drops the rotated versions');
        assert.deepEqual(await runMigrations(ds, SECRETS_MIGRATION_LOCK), [SECRETS_MIGRATIONS[1].name]);
        assert.equal((await new DataKeyService(new StackDataKeyRepository(ds), kek, options).forEncrypt('old-stack')).version, 1);
      } finally {
        await ds.destroy();
      }
    });

    void it('re-wraps every key version and then the canary with a new KEK, which alone then opens them', async () => {
      const url = await engine.newDatabaseUrl(dir);
      const ds = await open(url);
      try {
        const oldKek = new LocalKeyProvider(randomBytes(32));
        const newKek = new LocalKeyProvider(randomBytes(32));
        const rows = new StackDataKeyRepository(ds);
        const canaryRows = new KekCanaryRepository(ds);
        assert.equal(await new KekCanaryService(canaryRows, oldKek).verifyOrCreate(), 'created');
        const before = new DataKeyService(rows, oldKek, options);
        const sealed = new Map<string, Buffer>();
        // More stacks than one page of the walk (200), and a rotated stack with two versions.
        for (let i = 0; i < 230; i++) {
          const id = `stack-${String(i).padStart(3, '0')}`;
          const key = await before.forEncrypt(id);
          sealed.set(id, sealValue(key.key, key.version, id, Buffer.from(id)));
        }
        assert.equal(await before.rotate('stack-007'), 2);
        const v2 = await before.forEncrypt('stack-007');
        const sealedV2 = sealValue(v2.key, 2, 'stack-007', Buffer.from('second'));

        const ring = new KeyRing(newKek, [oldKek]);
        const rotation = new KeyRotationService(ring, rows, new DataKeyService(rows, ring, { cacheMaxEntries: 1, cacheTtlMs: 1 }), new KekCanaryService(canaryRows, ring));
        const report = await rotation.rewrap({ all: false });
        assert.deepEqual({ examined: report.examined, rewrapped: report.rewrapped, remaining: report.remaining, canary: report.canary }, { examined: 231, rewrapped: 231, remaining: 0, canary: 'rewrapped' });
        assert.deepEqual(report.target, { kekId: newKek.keyId, kekVersion: 1 });
        assert.deepEqual(await rows.countByKek(), [{ kekId: newKek.keyId, kekVersion: 1, keys: 231 }]);
        const again = await rotation.rewrap({ all: false });
        assert.equal(again.rewrapped, 0, 'a second run finds nothing to do');

        // The new KEK alone: the canary verifies, every version opens what it sealed.
        assert.equal(await new KekCanaryService(canaryRows, newKek).verifyOrCreate(), 'verified');
        await assert.rejects(new KekCanaryService(canaryRows, oldKek).verifyOrCreate(), /does not match/);
        const after = new DataKeyService(rows, newKek, options);
        for (const [id, envelope] of sealed) assert.deepEqual(openValue((await after.forDecrypt(id, 1))!.key, 1, id, envelope), Buffer.from(id));
        assert.deepEqual(openValue((await after.forDecrypt('stack-007', 2))!.key, 2, 'stack-007', sealedV2), Buffer.from('second'));

        // A value whose key-version field is changed to another existing version is refused (400), never opened.
        const values = new SecretValuesService(after, new ValueCipherPool({ ...options, cipherWorkers: 0 }));
        const { ciphertexts } = await values.encrypt('stack-007', { plaintexts: [Buffer.from('v2 value').toString('base64')] });
        const relabelled = Buffer.from(ciphertexts[0], 'base64');
        assert.equal(relabelled.readUInt32BE(1), 2);
        relabelled.writeUInt32BE(1, 1);
        await assert.rejects(values.decrypt('stack-007', { ciphertexts: [relabelled.toString('base64')] }), (error: unknown) => error instanceof ApiError && error.status === 400 && /authentication-failed/.test(error.message));
        relabelled.writeUInt32BE(9, 1);
        await assert.rejects(values.decrypt('stack-007', { ciphertexts: [relabelled.toString('base64')] }), (error: unknown) => error instanceof ApiError && error.status === 400 && /has no data key v9/.test(error.message));
        assert.deepEqual((await values.decrypt('stack-007', { ciphertexts })).plaintexts, [Buffer.from('v2 value').toString('base64')]);

        // A re-wrap that lost a race (another writer moved the row first) leaves that row alone.
        const row = (await rows.find('stack-000', 1))!;
        assert.equal(await rows.replaceWrapping({ ...row, wrappedKey: 'stale' }, { wrappedKey: 'x', kekId: 'y', kekVersion: 1 }), false);
        assert.equal((await rows.find('stack-000', 1))!.wrappedKey, row.wrappedKey);
      } finally {
        await ds.destroy();
      }
    });

    void it('the admin command refuses a database whose canary the configured key does not open, and reports status', async () => {
      const url = await engine.newDatabaseUrl(dir);
      const ds = await open(url);
      const keyFile = join(dir, `kek-${randomBytes(3).toString('hex')}`);
      const wrongFile = `${keyFile}-wrong`;
      const key = randomBytes(32);
      writeFileSync(keyFile, `${key.toString('hex')}\n`, { mode: 0o600 });
      writeFileSync(wrongFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      const provider = new LocalKeyProvider(key);
      try {
        await new KekCanaryService(new KekCanaryRepository(ds), provider).verifyOrCreate();
        await new DataKeyService(new StackDataKeyRepository(ds), provider, options).forEncrypt('s1');
      } finally {
        await ds.destroy();
      }
      const env = (file: string) => ({ PATH: process.env.PATH, STACKYARD_DATABASE_URL: url, STACKYARD_LOCAL_KEY_FILE: file });
      const status = await run(process.execPath, [ADMIN, 'status', '--json'], { env: env(keyFile) });
      const parsed = JSON.parse(status.stdout) as { active: { kekId: string }; keys: unknown[] };
      assert.equal(parsed.active.kekId, provider.keyId);
      assert.deepEqual(parsed.keys, [{ kekId: provider.keyId, kekVersion: 1, keys: 1 }]);
      const refused = await run(process.execPath, [ADMIN, 'rewrap'], { env: env(wrongFile) }).then(
        () => assert.fail('rewrap with the wrong key must fail'),
        (error: { code: number; stderr: string; stdout: string }) => error,
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^secrets admin: the key-encryption key does not match the one this database was created with/);
      assert.equal(refused.stdout, '');
      const local = await run(process.execPath, [ADMIN, 'rotate-kek'], { env: env(keyFile) }).catch((error: { code: number; stderr: string }) => error);
      assert.equal((local as { code: number }).code, 1);
      assert.match((local as { stderr: string }).stderr, /local key cannot be rotated in place: write a new key file/);
      const usage = await run(process.execPath, [ADMIN, 'rotate-data-key'], { env: env(keyFile) }).catch((error: { code: number; stderr: string }) => error);
      assert.equal((usage as { code: number }).code, 2);
      assert.match((usage as { stderr: string }).stderr, /exactly one of --stack-id ID or --all/);
    });
  });
}
