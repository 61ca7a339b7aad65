import { createConnection } from 'mysql2/promise';

const NAME = /^[A-Za-z0-9_]{1,64}$/;

/** `mysql://u:p@h:3306/` + `stackyard_api` → `mysql://u:p@h:3306/stackyard_api` (scheme kept). */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function connectionUrl(serverUrl: string): string {
  // mysql2 understands mysql:// only; mariadb:// is our alias that switches TypeORM's dialect.
  const url = new URL(serverUrl.replace(/^mariadb:/, 'mysql:'));
  url.pathname = '/';
  return url.toString();
}

/**
 * Creates each service's own database on one server (docs/architecture.md: one schema per
 * service) if it is missing, in utf8mb4 (the migrations pick binary collation for names themselves).
 */
export async function createDatabases(serverUrl: string, names: string[]): Promise<void> {
  for (const name of names) if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  const connection = await createConnection(connectionUrl(serverUrl));
  try {
    for (const name of names) {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
  } finally {
    await connection.end();
  }
}

export async function dropDatabases(serverUrl: string, names: string[]): Promise<void> {
  for (const name of names) if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  const connection = await createConnection(connectionUrl(serverUrl));
  try {
    for (const name of names) await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
