import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema, type QueryRunner } from 'typeorm';

export type DatabaseKind = 'sqlite' | 'mysql';

export interface DatabaseSettings {
  /** `sqlite:/abs/path.db` (embedded) or `mysql://user:pass@host:3306/db` / `mariadb://…`. */
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Name of this service's migrations table, so services could share one schema if they must. */
  migrationsTableName: string;
  poolSize?: number;
}

/** MySQL URL options Stackyard understands (anything else in the query is refused). */
const MYSQL_URL_OPTIONS = new Set(['ssl-ca']);

/**
 * TLS to MySQL / MariaDB: `?ssl-ca=<path to PEM>` makes every connection TLS, verifying the
 * server's certificate against that CA and its name against the URL's host (MySQL's
 * `--ssl-mode=VERIFY_IDENTITY`). Without it the connection is plain, for loopback and tests.
 */
export function mysqlTlsProblems(url: string): string[] {
  if (databaseKind(url) !== 'mysql') return [];
  const u = new URL(url);
  const problems: string[] = [];
  for (const key of u.searchParams.keys()) if (!MYSQL_URL_OPTIONS.has(key)) problems.push(`STACKYARD_DATABASE_URL: unknown option '${key.slice(0, 32)}' (supported: ${[...MYSQL_URL_OPTIONS].join(', ')})`);
  const caFile = u.searchParams.get('ssl-ca');
  if (caFile !== null) {
    try {
      if (!/-----BEGIN CERTIFICATE-----/.test(readFileSync(caFile, 'utf8'))) problems.push(`STACKYARD_DATABASE_URL: ssl-ca '${caFile}' holds no PEM certificate`);
    } catch (error) {
      problems.push(`STACKYARD_DATABASE_URL: ssl-ca '${caFile}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return problems;
}

export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  throw new Error(`unsupported database URL scheme in '${url.replace(/\/\/[^@]*@/, '//***@')}' (use sqlite: or mysql://)`);
}

/**
 * One DataSource factory for both modes. Schema changes come only from migrations
 * (`synchronize: false`); times are stored as epoch milliseconds in BIGINT and ids as CHAR(36) so
 * both engines behave alike; MySQL text is utf8mb4 with binary collation on names so that name
 * comparison is case-sensitive everywhere, as SQLite's is.
 */
export function createDataSource(settings: DatabaseSettings): DataSource {
  const kind = databaseKind(settings.url);
  const common = {
    entities: settings.entities,
    migrations: settings.migrations,
    migrationsTableName: settings.migrationsTableName,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  } as const;
  let options: DataSourceOptions;
  if (kind === 'sqlite') {
    const path = settings.url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    options = {
      ...common,
      type: 'better-sqlite3',
      database: path,
      // WAL lets readers proceed during a write; a busy timeout serialises writers from several
      // processes on one file instead of failing them.
      prepareDatabase: (db: { pragma(s: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 10000');
        db.pragma('foreign_keys = ON');
      },
    };
  } else {
    const u = new URL(settings.url);
    const caFile = u.searchParams.get('ssl-ca');
    options = {
      ...common,
      type: u.protocol === 'mariadb:' ? 'mariadb' : 'mysql',
      host: u.hostname,
      port: Number(u.port || 3306),
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: u.pathname.replace(/^\//, ''),
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      poolSize: settings.poolSize ?? 10,
      connectTimeout: 10_000,
      extra: { enableKeepAlive: true },
      ...(caFile !== null ? { ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true } } : {}),
    };
  }
  return new DataSource(options);
}

/**
 * Runs pending migrations once even when several replicas start together: MySQL serialises them
 * with a named lock; SQLite's write lock does the same for processes sharing one file.
 */
export async function runMigrations(dataSource: DataSource, lockName: string): Promise<string[]> {
  if (dataSource.options.type === 'better-sqlite3') {
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const rows = (await runner.query('SELECT GET_LOCK(?, 120) AS got', [lockName])) as Array<{ got: number }>;
    if (Number(rows[0]?.got) !== 1) throw new Error(`could not take the migration lock '${lockName}'`);
    try {
      const done = await dataSource.runMigrations({ transaction: 'each' });
      return done.map((m) => m.name);
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [lockName]);
    }
  } finally {
    await runner.release();
  }
}

export function isMysql(runner: QueryRunner): boolean {
  return runner.connection.options.type === 'mysql' || runner.connection.options.type === 'mariadb';
}

/** Column helpers for migrations written once for both engines. */
export const columnTypes = {
  /**
   * Character set for every text column on MySQL: a database created with the server's default
   * (latin1 on a stock MariaDB) would otherwise mangle non-Latin text. Binary collation keeps
   * comparisons exact, as SQLite's are.
   */
  utf8: (runner: QueryRunner) => (isMysql(runner) ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
  longText: (runner: QueryRunner) => (isMysql(runner) ? 'longtext' : 'text'),
  name: (runner: QueryRunner, length: number) =>
    isMysql(runner) ? { type: 'varchar', length: String(length), charset: 'utf8mb4', collation: 'utf8mb4_bin' } : { type: 'varchar', length: String(length) },
};
