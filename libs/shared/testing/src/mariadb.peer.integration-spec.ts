import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { startMariadb, type MariadbPeer } from './mariadb.peer';

function connectUrl(url: string): Promise<Connection> {
  return createConnection({ uri: url, connectTimeout: 10_000 });
}

async function scalar(connection: Connection, sql: string): Promise<unknown> {
  const [rows] = await connection.query<RowDataPacket[]>(sql);
  return Object.values(rows[0])[0];
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

void describe('startMariadb', () => {
  let sut: MariadbPeer;
  before(async () => {
    sut = await startMariadb();
  });
  after(async () => {
    await sut?.stop();
  });

  void it('serves MariaDB on 127.0.0.1 to an application user with a password, not root', async () => {
    const url = new URL(sut.url);
    assert.equal(url.protocol, 'mysql:');
    assert.equal(url.hostname, '127.0.0.1');
    assert.notEqual(url.username, 'root');
    assert.ok(url.password.length >= 16, 'the app user has a real password');
    const connection = await connectUrl(sut.url);
    try {
      assert.match(String(await scalar(connection, 'SELECT VERSION()')), /MariaDB/);
      assert.match(String(await scalar(connection, 'SELECT CURRENT_USER()')), new RegExp(`^${url.username}@`));
      assert.equal(await scalar(connection, 'SELECT DATABASE()'), url.pathname.slice(1));
    } finally {
      await connection.end();
    }
  });

  void it('refuses a wrong password', async () => {
    const url = new URL(sut.url);
    url.password = 'wrong-password';
    await assert.rejects(connectUrl(url.toString()), /Access denied/);
  });

  void it('lets the app user create databases and use them, but not administer the server', async () => {
    const dbUrl = await sut.createDatabase();
    const connection = await connectUrl(dbUrl);
    try {
      await connection.query('CREATE TABLE t (id CHAR(36) PRIMARY KEY, meta JSON, at BIGINT NOT NULL)');
      await connection.query('INSERT INTO t VALUES (?, ?, ?)', ['a', JSON.stringify({ ü: 'ß' }), Date.now()]);
      assert.deepEqual(JSON.parse(String(await scalar(connection, 'SELECT CAST(meta AS CHAR) FROM t'))), { ü: 'ß' });
      await assert.rejects(connection.query('SHUTDOWN'), /denied/i);
      await assert.rejects(connection.query('SET GLOBAL max_connections = 10'), /denied/i);
    } finally {
      await connection.end();
    }
    const named = await sut.createDatabase('named_db');
    assert.equal(new URL(named).pathname, '/named_db');
    await assert.rejects(sut.createDatabase('bad-name; DROP'), /not a plain MySQL identifier/);
  });

  void it('runs with strict SQL mode and utf8mb4 like a MySQL 8 server', async () => {
    if (sut.reused) return assert.ok(sut.reused, 'a shared server keeps its own settings');
    const connection = await connectUrl(sut.url);
    try {
      assert.match(String(await scalar(connection, 'SELECT @@sql_mode')), /STRICT_TRANS_TABLES/);
      assert.equal(await scalar(connection, 'SELECT @@character_set_server'), 'utf8mb4');
      assert.equal(await scalar(connection, 'SELECT @@log_bin'), 0);
    } finally {
      await connection.end();
    }
  });

  void it('is reused from STACKYARD_TEST_MYSQL_URL, where stop() drops only the databases it created', async () => {
    const saved = process.env['STACKYARD_TEST_MYSQL_URL'];
    process.env['STACKYARD_TEST_MYSQL_URL'] = sut.url;
    try {
      const reused = await startMariadb();
      assert.equal(reused.reused, true);
      assert.equal(reused.url, sut.url);
      const dbUrl = await reused.createDatabase();
      const name = new URL(dbUrl).pathname.slice(1);
      const connection = await connectUrl(sut.url);
      try {
        const [before] = await connection.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [name]);
        assert.equal(before.length, 1);
        await reused.stop();
        const [afterStop] = await connection.query<RowDataPacket[]>('SHOW DATABASES LIKE ?', [name]);
        assert.equal(afterStop.length, 0, 'the reused handle dropped its database');
        assert.equal(await scalar(connection, 'SELECT 1'), 1, 'the shared server itself keeps running');
      } finally {
        await connection.end();
      }
    } finally {
      if (saved === undefined) delete process.env['STACKYARD_TEST_MYSQL_URL'];
      else process.env['STACKYARD_TEST_MYSQL_URL'] = saved;
    }
  });
});

void describe('startMariadb lifecycle', () => {
  void it('stop() shuts the server down and removes its data', async (t) => {
    if (process.env['STACKYARD_TEST_MYSQL_URL']) {
      t.diagnostic('STACKYARD_TEST_MYSQL_URL is set: checking a private server anyway (reuse: false)');
    }
    const peer = await startMariadb({ reuse: false });
    assert.equal(peer.reused, false);
    assert.equal(await portOpen(peer.port), true);
    assert.ok(peer.baseDir && existsSync(peer.baseDir), 'the server has a private data directory');
    await peer.stop();
    assert.equal(await portOpen(peer.port), false, 'nothing listens on the port after stop()');
    assert.equal(existsSync(peer.baseDir), false, 'its data directory is removed');
  });
});
