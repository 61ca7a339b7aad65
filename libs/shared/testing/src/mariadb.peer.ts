import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePort } from './free-port.util';
import { PeerStartError, spawnPeer, waitUntil, type PeerProcess } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

const execFileAsync = promisify(execFile);

/**
 * MySQL 8's default sql_mode minus ONLY_FULL_GROUP_BY: MariaDB's version of that flag does not
 * know functional dependencies and would reject queries MySQL 8 (the production target) accepts.
 */
export const MYSQL8_LIKE_SQL_MODE = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * What the application user gets, on every database so it can create its own: data and schema
 * privileges, none of the server-administration ones (SUPER, SHUTDOWN, PROCESS, FILE, RELOAD…).
 * Global INSERT includes the `mysql` schema, so this is a test convenience, not a security boundary.
 */
const APP_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'REFERENCES',
  'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE VIEW', 'SHOW VIEW',
  'CREATE ROUTINE', 'ALTER ROUTINE', 'EVENT', 'TRIGGER',
].join(', ');

export interface MariadbOptions {
  /** Name of the database in `url` (default `stackyard`). */
  database?: string;
  /** The application user (default `stackyard`); never root. */
  user?: string;
  sqlMode?: string;
  /** Extra mariadbd arguments. */
  serverArgs?: string[];
  /** Use STACKYARD_TEST_MYSQL_URL when set instead of starting a server (default true). */
  reuse?: boolean;
  startTimeoutMs?: number;
}

export interface MariadbPeer {
  /** `mysql://<user>:<password>@127.0.0.1:<port>/<database>` for the application user. */
  url: string;
  host: string;
  port: number;
  /** True when this is a shared server from STACKYARD_TEST_MYSQL_URL. */
  reused: boolean;
  /** The directory holding the server's data, socket and logs (launched servers only). */
  baseDir?: string;
  /**
   * Creates a database (a fresh unique name when omitted) and returns the app user's URL for it.
   * Each test suite should use its own, so suites can share one server.
   */
  createDatabase(name?: string): Promise<string>;
  /** Launched: stops the server and deletes its data. Reused: drops the databases it created. */
  stop(): Promise<void>;
}

/**
 * An isolated MariaDB 10.11 for integration tests (docs: test-peers.md §1): its own data directory
 * (in RAM when /dev/shm is usable), 127.0.0.1 and a free port, no binary log, `--no-defaults` so
 * the machine's /etc/mysql and port 3306 stay out of it. Tests connect as an application user with
 * a password that may create databases but cannot administer the server.
 */
export async function startMariadb(options: MariadbOptions = {}): Promise<MariadbPeer> {
  const shared = process.env['STACKYARD_TEST_MYSQL_URL'];
  if (shared && options.reuse !== false) return reuseServer(shared);

  // STACKYARD_MARIADB_BIN_DIR pins the binaries' directory (tests of a machine without MariaDB).
  const binDir = process.env['STACKYARD_MARIADB_BIN_DIR'];
  const bin = (name: string) => (binDir ? join(binDir, name) : name);
  const mariadbd = requirePeer('mariadbd', bin('mariadbd'));
  const installDb = requirePeer('mariadb-install-db', bin('mariadb-install-db'));
  const base = tempDir('stackyard-mariadb', { memory: true });
  const dataDir = join(base, 'data');
  const asRoot = process.getuid?.() === 0;
  const userArgs = asRoot ? ['--user=root'] : [];

  try {
    await execFileAsync(
      installDb,
      ['--no-defaults', `--datadir=${dataDir}`, ...userArgs, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
      { timeout: 60_000 },
    );
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new PeerStartError(`mariadb-install-db failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`.trim());
  }

  const errorLog = join(base, 'error.log');
  let server: { peer: PeerProcess; port: number } | undefined;
  for (let tries = 0; server === undefined; tries++) {
    const port = await freePort();
    const peer = spawnPeer({
      name: 'mariadb',
      command: mariadbd,
      args: [
        '--no-defaults',
        `--datadir=${dataDir}`,
        ...userArgs,
        `--socket=${join(base, 'mysqld.sock')}`,
        `--pid-file=${join(base, 'mysqld.pid')}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        '--skip-log-bin',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        // Throwaway data: no fsync per commit.
        '--innodb-flush-log-at-trx-commit=0',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--default-time-zone=+00:00',
        `--sql-mode=${options.sqlMode ?? MYSQL8_LIKE_SQL_MODE}`,
        '--max-connections=500',
        `--log-error=${errorLog}`,
        ...(options.serverArgs ?? []),
      ],
      logFile: join(base, 'stdout.log'),
    });
    try {
      await waitUntil(() => canConnect(port), { what: `mariadbd on 127.0.0.1:${port}`, timeoutMs: options.startTimeoutMs ?? 60_000, peer, logFile: errorLog });
      server = { peer, port };
    } catch (error) {
      await peer.stop(1_000);
      const inUse = error instanceof Error && /Address already in use|Do you already have another/.test(error.message);
      if (!inUse || tries >= 3) throw error;
    }
  }

  const { peer, port } = server;
  const user = options.user ?? 'stackyard';
  const password = randomBytes(18).toString('base64url');
  const database = options.database ?? 'stackyard';
  assertIdentifier(user);
  assertIdentifier(database);
  const root = await connect({ port, user: 'root', password: '' });
  try {
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
    await root.query(`GRANT ${APP_PRIVILEGES} ON *.* TO '${user}'@'%'`);
    await root.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await root.end();
  }
  const url = mysqlUrl({ user, password, port, database });
  return {
    url,
    host: '127.0.0.1',
    port,
    reused: false,
    baseDir: base,
    createDatabase: (name) => createDatabase(url, name),
    async stop(): Promise<void> {
      await peer.stop(15_000);
      if (!keepTestData()) removeTempDir(base);
    },
  };
}

function reuseServer(shared: string): MariadbPeer {
  const parsed = new URL(shared);
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new Error('STACKYARD_TEST_MYSQL_URL must be a mysql:// URL');
  }
  const created: string[] = [];
  return {
    url: shared,
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    reused: true,
    async createDatabase(name?: string): Promise<string> {
      const url = await createDatabase(shared, name);
      created.push(new URL(url).pathname.slice(1));
      return url;
    },
    async stop(): Promise<void> {
      // The server outlives this test file; leave it as we found it.
      if (keepTestData() || created.length === 0) return;
      const connection = await connectUrl(shared);
      try {
        for (const name of created.splice(0)) await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

let databaseCounter = 0;

async function createDatabase(appUrl: string, name?: string): Promise<string> {
  const database = name ?? `t_${process.pid.toString(36)}_${(databaseCounter++).toString(36)}_${randomBytes(3).toString('hex')}`;
  assertIdentifier(database);
  const connection = await connectUrl(appUrl);
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
  const url = new URL(appUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function assertIdentifier(name: string): void {
  // Names are spliced into SQL (identifiers cannot be bound), so allow only the plain ones.
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`not a plain MySQL identifier: ${JSON.stringify(name)}`);
}

function mysqlUrl(p: { user: string; password: string; port: number; database: string }): string {
  return `mysql://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@127.0.0.1:${p.port}/${p.database}`;
}

function connect(p: { port: number; user: string; password: string; database?: string }): Promise<Connection> {
  return createConnection({ host: '127.0.0.1', port: p.port, user: p.user, password: p.password, database: p.database, connectTimeout: 5_000 });
}

function connectUrl(url: string): Promise<Connection> {
  const u = new URL(url);
  return createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectTimeout: 10_000,
  });
}

async function canConnect(port: number): Promise<boolean> {
  const connection = await connect({ port, user: 'root', password: '' });
  await connection.end();
  return true;
}
