import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startSuite, type S3Options, type StartSuiteOptions, type Suite } from '@stackyard/shared-launcher';
import { startMariadb, startVersitygw, tempDir } from '@stackyard/testing';
import { uploadModeEnv } from './upload-mode';

export type SuiteModeName = 'embedded' | 'mariadb-s3';

/** Where a `mariadb-s3` suite keeps its data, for tests that inspect what was stored. */
export interface ExternalStorage {
  /** The MariaDB server as the application user (`mysql://user:pw@127.0.0.1:port/…`). */
  mysqlUrl: string;
  /** The suite's own databases on that server, one per service. */
  databases: { api: string; identity: string; secrets: string };
  s3: S3Options;
}

export interface StartedSuite {
  mode: SuiteModeName;
  suite: Suite;
  /** `mariadb-s3` only; the embedded mode keeps everything under `suite.dataDir`. */
  external?: ExternalStorage;
  /** Stops the suite, then the peers this call started (shared peers are left running). */
  stop(): Promise<void>;
}

/** `STACKYARD_E2E_MODES=embedded` (comma-separated) narrows a local run; CI runs both. */
export function selectedModes(): SuiteModeName[] {
  const all: SuiteModeName[] = ['embedded', 'mariadb-s3'];
  const raw = process.env.STACKYARD_E2E_MODES;
  if (!raw) return all;
  const wanted = raw.split(',').map((m) => m.trim());
  const unknown = wanted.filter((m) => !all.includes(m as SuiteModeName));
  if (unknown.length) throw new Error(`STACKYARD_E2E_MODES: unknown mode(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  if (process.env.CI === 'true' && wanted.length < all.length) throw new Error('STACKYARD_E2E_MODES must not narrow the run when CI=true');
  return wanted as SuiteModeName[];
}

export const MODE_TITLES: Record<SuiteModeName, string> = {
  embedded: 'embedded: SQLite + disk objects',
  'mariadb-s3': 'production-shaped: MariaDB + S3 (versitygw)',
};

/**
 * The whole suite in one of its two storage modes, in a fresh data directory. The MariaDB/S3 mode
 * reuses shared peers from scripts/peers/start-peers.sh (STACKYARD_TEST_*) or starts private ones;
 * each suite gets its own databases and bucket either way. STACKYARD_E2E_UPLOAD_MODE picks the
 * upload mode (support/upload-mode.ts) under the test's own `extraEnv`.
 */
export async function startSuiteInMode(mode: SuiteModeName, requested: Partial<StartSuiteOptions> = {}): Promise<StartedSuite> {
  const options = { ...requested, extraEnv: { ...uploadModeEnv(), ...requested.extraEnv } };
  const dataDir = join(tempDir(`stackyard-e2e-${mode}`), 'data');
  if (mode === 'embedded') {
    const suite = await startSuite({ ...options, dataDir, mode: 'embedded' });
    return { mode, suite, stop: () => suite.stop() };
  }
  const db = await startMariadb();
  const s3 = await startVersitygw().catch(async (error: unknown) => {
    await db.stop();
    throw error;
  });
  try {
    const databasePrefix = `e2e_${randomBytes(4).toString('hex')}`;
    const external: ExternalStorage = {
      mysqlUrl: db.url,
      // The names the launcher gives the databases it creates for a prefix (start-suite.ts).
      databases: { api: `${databasePrefix}_api`, identity: `${databasePrefix}_identity`, secrets: `${databasePrefix}_secrets` },
      s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: s3.uniqueBucket('e2e') },
    };
    const suite = await startSuite({
      ...options,
      dataDir,
      mode: { mysqlUrl: external.mysqlUrl, databasePrefix, dropDatabasesOnStop: true, s3: external.s3 },
    });
    return {
      mode,
      suite,
      external,
      stop: async () => {
        try {
          await suite.stop();
        } finally {
          await Promise.all([db.stop(), s3.stop()]);
        }
      },
    };
  } catch (error) {
    await Promise.all([db.stop(), s3.stop()]);
    throw error;
  }
}
