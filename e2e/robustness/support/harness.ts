import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSuite, type StartSuiteOptions, type Suite } from '@stackyard/shared-launcher';
import { type MariadbPeer, PulumiCli, startMariadb, startVersitygw, tempDir, type VersitygwPeer } from '@stackyard/testing';
import { uploadModeEnv } from '../../support/upload-mode';
import { RawApi } from './raw-api';
import type { RobustRunRequest } from './robust-runner';

export const ORG = 'stackyard';

/** An embedded suite (SQLite + disk) in a fresh temporary directory. */
export function startEmbedded(options: Partial<StartSuiteOptions> = {}): Promise<Suite> {
  return startSuite({ dataDir: tempDir('stackyard-robust'), ...options, extraEnv: { ...uploadModeEnv(), ...options.extraEnv } });
}

export interface ExternalPeers {
  mariadb: MariadbPeer;
  s3: VersitygwPeer;
  stop(): Promise<void>;
}

/** MariaDB + versitygw (or the shared ones from STACKYARD_TEST_MYSQL_URL / STACKYARD_TEST_S3_*). */
export async function startExternalPeers(): Promise<ExternalPeers> {
  const [mariadb, s3] = await Promise.all([startMariadb(), startVersitygw()]);
  return {
    mariadb,
    s3,
    async stop() {
      await Promise.allSettled([mariadb.stop(), s3.stop()]);
    },
  };
}

/** A suite on MariaDB + S3 (production shape): unique databases and bucket for this suite. */
export function startExternal(peers: ExternalPeers, name: string, options: Partial<StartSuiteOptions> = {}): Promise<Suite> {
  // The peer's URL names the app user's database; the launcher wants the server URL.
  const server = new URL(peers.mariadb.url);
  server.pathname = '/';
  const unique = `${name}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.replace(/[^a-z0-9_]/g, '_');
  return startSuite({
    dataDir: tempDir('stackyard-robust-ext'),
    mode: {
      mysqlUrl: server.toString(),
      databasePrefix: unique,
      dropDatabasesOnStop: true,
      s3: { endpoint: peers.s3.endpoint, accessKey: peers.s3.accessKey, secretKey: peers.s3.secretKey, region: peers.s3.region, bucket: peers.s3.uniqueBucket('robust') },
    },
    ...options,
    extraEnv: { ...uploadModeEnv(), ...options.extraEnv },
  });
}

export function rawApi(suite: Suite, baseUrl = suite.apiUrl): RawApi {
  return new RawApi(baseUrl, readFileSync(suite.caFile), suite.adminToken);
}

/** The real CLI in a hermetic environment, logged in through PULUMI_BACKEND_URL. */
export async function cliFor(suite: Suite, workDir = tempDir('stackyard-robust-work')): Promise<PulumiCli> {
  const binary = await PulumiCli.binaryPath();
  mkdirSync(workDir, { recursive: true });
  return new PulumiCli({ binary, caFile: suite.caFile, accessToken: suite.adminToken, cwd: workDir });
}

/** Environment of a runner that talks to `apiUrl` (one api replica of several). */
export function runnerEnv(cli: PulumiCli, apiUrl: string): NodeJS.ProcessEnv {
  return cli.env({ PULUMI_BACKEND_URL: apiUrl });
}

/** A runner request for `stackyard/<project>/<stack>` in its own project directory. */
export function request(cli: PulumiCli, project: string, stack: string, fields: Partial<RobustRunRequest> & Pick<RobustRunRequest, 'program'>): RobustRunRequest {
  const workDir = fields.workDir ?? join(tempDir('stackyard-robust-prog'), project);
  mkdirSync(workDir, { recursive: true });
  return { op: 'up', projectName: project, stackName: `${ORG}/${project}/${stack}`, pulumiRoot: cli.root, ...fields, workDir };
}

/** Polls until `probe` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Wall-clock of a test step, printed so the CI log shows where time goes. */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    console.log(`[timing] ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
