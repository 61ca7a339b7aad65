import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runMigrations } from '@stackyard/shared-db';
import { type MariadbPeer, startMariadb, tempDir } from '@stackyard/testing';
import { StackRepository } from '@stackyard/stacks-data-access';
import { API_MIGRATIONS, createApiDataSource } from './api-data-source';

/**
 * The api's migrations must run on both engines (embedded SQLite, production MySQL/MariaDB), be
 * safe to run again, and produce a schema the repositories work against — including the
 * conditional lock statement that keeps two replicas from running updates on one stack.
 */
async function exerciseSchema(url: string): Promise<void> {
  const ds = createApiDataSource(url);
  await ds.initialize();
  try {
    const applied = await runMigrations(ds, 'stackyard_api_migrations');
    assert.deepEqual(applied, API_MIGRATIONS.map((m) => m.name));
    assert.deepEqual(await runMigrations(ds, 'stackyard_api_migrations'), [], 'a second run applies nothing');
    const stacks = new StackRepository(ds);
    const now = Date.now();
    await stacks.insert({
      id: '00000000-0000-0000-0000-000000000001',
      orgName: 'Org',
      projectName: 'proj',
      stackName: 'dev',
      tags: { 'pulumi:project': 'proj', 'unicode:tag': 'héllo ✓' },
      version: 0,
      headVersion: null,
      resourceCount: 0,
      activeUpdateId: null,
      leaseExpiresAt: null,
      currentOperation: null,
      latestUpdateId: null,
      lastUpdateAt: null,
      createdBy: 'admin',
      createdAt: now,
      updatedAt: now,
    });
    // Names are case-sensitive on both engines (binary collation on MySQL).
    assert.equal(await stacks.findByName('org', 'proj', 'dev'), null);
    const row = await stacks.findByName('Org', 'proj', 'dev');
    assert.equal(row?.tags['unicode:tag'], 'héllo ✓');
    assert.equal(typeof row?.createdAt, 'number');
    const lock = { stackId: row.id, expectedVersion: 0, leaseExpiresAt: now + 60_000, now, operation: { kind: 'update', author: 'a', started: 1 } };
    const results = await Promise.all([
      stacks.tryAcquireLock({ ...lock, updateId: 'u1' }),
      stacks.tryAcquireLock({ ...lock, updateId: 'u2' }),
    ]);
    assert.deepEqual(results.filter(Boolean).length, 1, 'exactly one of two racing updates takes the lock');
    const locked = await stacks.findById(row.id);
    assert.equal(locked?.version, 1);
    // An expired lease frees the stack for the next update.
    assert.equal(await stacks.tryAcquireLock({ ...lock, expectedVersion: 1, updateId: 'u3', now: now + 120_000, leaseExpiresAt: now + 180_000 }), true);
    await ds.undoLastMigration({ transaction: 'each' });
    assert.deepEqual(await runMigrations(ds, 'stackyard_api_migrations'), API_MIGRATIONS.map((m) => m.name), 'down then up again');
  } finally {
    await ds.destroy();
  }
}

describe('api migrations', () => {
  let mariadb: MariadbPeer;
  before(async () => {
    mariadb = await startMariadb();
  });
  after(async () => {
    await mariadb?.stop();
  });

  it('run on the embedded SQLite database', async () => {
    const dir = tempDir('api-migrations');
    await exerciseSchema(`sqlite:${join(dir, 'api.sqlite')}`);
  });

  it('run on MariaDB', async () => {
    await exerciseSchema(await mariadb.createDatabase());
  });
});
