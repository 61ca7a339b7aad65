import { join } from 'node:path';
import { type MariadbPeer, startMariadb } from '@stackyard/testing';

/** Each engine gives fresh, empty databases; MariaDB is a real server (or STACKYARD_TEST_MYSQL_URL). */
export interface DatabaseEngine {
  name: string;
  sqlite: boolean;
  newDatabaseUrl(dir: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

export function sqliteEngine(): DatabaseEngine {
  return { name: 'SQLite', sqlite: true, newDatabaseUrl: (dir, name) => Promise.resolve(`sqlite:${join(dir, `${name}.db`)}`), stop: () => Promise.resolve() };
}

export function mariadbEngine(): DatabaseEngine {
  let peer: Promise<MariadbPeer> | undefined;
  return {
    name: 'MariaDB',
    sqlite: false,
    // No skip when the server is missing: startMariadb fails with how to provision it.
    newDatabaseUrl: async () => (await (peer ??= startMariadb())).createDatabase(),
    stop: async () => {
      const started = await peer?.catch(() => undefined);
      await started?.stop();
    },
  };
}

/** Both engines the identity service supports, in the order the suites run. */
export const databaseEngines = (): DatabaseEngine[] => [sqliteEngine(), mariadbEngine()];
