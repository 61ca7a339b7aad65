import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSuite, type Suite } from '@stackyard/shared-launcher';
import { type MariadbPeer, PulumiCli, s3TestClient, startMariadb, startVersitygw, tempDir, type VersitygwPeer } from '@stackyard/testing';
import { progress } from './log';
import { BACKEND_TITLES, type BackendId, FAST_BATCH_CLI_ENV, type StackyardMode } from './options';

export const PROJECT = 'bench';
const DIY_PASSPHRASE = 'stackyard-bench-passphrase';

/** Api settings of the Stackyard rows; `embedded` and `mariadb-s3` run the shipped defaults. */
const STACKYARD_ENV: Partial<Record<BackendId, Record<string, string>>> = {
  'embedded-delta': { STACKYARD_JOURNALING: 'false' },
  'embedded-plain': { STACKYARD_JOURNALING: 'false', STACKYARD_DELTA_CHECKPOINTS: 'false' },
};

/**
 * MariaDB and versitygw, started on first use and shared by every backend of the run: the
 * Stackyard MariaDB + S3 suites and the CLI's own s3:// backend use the same S3 server. With
 * STACKYARD_TEST_MYSQL_URL / STACKYARD_TEST_S3_* set, the running shared peers are used.
 */
export class SharedPeers {
  private db?: Promise<MariadbPeer>;
  private s3?: Promise<VersitygwPeer>;

  mariadb(): Promise<MariadbPeer> {
    this.db ??= startMariadb().then((peer) => {
      progress(`MariaDB ${peer.reused ? 'reused' : 'started'} on ${peer.host}:${peer.port}`);
      return peer;
    });
    return this.db;
  }

  versitygw(): Promise<VersitygwPeer> {
    this.s3 ??= startVersitygw().then((peer) => {
      progress(`versitygw ${peer.reused ? 'reused' : 'started'} at ${peer.endpoint}`);
      return peer;
    });
    return this.s3;
  }

  async stop(): Promise<void> {
    const peers = await Promise.allSettled([this.db, this.s3].filter((p) => p !== undefined));
    await Promise.allSettled(peers.map((p) => (p.status === 'fulfilled' ? p.value.stop() : Promise.resolve())));
  }
}

/** A fresh Stackyard suite (its own data directory; on MariaDB + S3 its own databases and bucket). */
export async function startStackyard(mode: StackyardMode, peers: SharedPeers, extraEnv: Record<string, string> = {}): Promise<Suite> {
  const dataDir = join(tempDir(`stackyard-bench-${mode}`), 'data');
  if (mode === 'embedded') return startSuite({ dataDir, mode: 'embedded', extraEnv });
  const [db, s3] = await Promise.all([peers.mariadb(), peers.versitygw()]);
  return startSuite({
    dataDir,
    extraEnv,
    mode: {
      mysqlUrl: db.url,
      databasePrefix: `bench_${randomBytes(4).toString('hex')}`,
      dropDatabasesOnStop: true,
      s3: { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: s3.uniqueBucket('bench') },
    },
  });
}

/** `journal entries applied` lines in the api's log: shows the CLI really journaled. */
export function journalBatchesApplied(suite: Suite): number {
  const log = join(suite.dataDir, 'logs', 'api.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('journal entries applied').length - 1 : 0;
}

/** One row of the workload tables: a logged-in CLI with its own PULUMI_HOME and project directory. */
export interface WorkloadBackend {
  id: BackendId;
  title: string;
  cli: PulumiCli;
  /** Added to the CLI's hermetic environment for every command and operation. */
  env: Record<string, string | undefined>;
  projectDir: string;
  notes: string[];
  suite?: Suite;
  /** The stack of size N, as the Automation API and `pulumi stack` want it. */
  stackName(size: number): string;
  initStack(size: number): Promise<void>;
  /** Best effort: frees the state of a finished size. */
  removeStack(size: number): Promise<void>;
  stop(): Promise<void>;
}

export function writeProject(dir: string): void {
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\ndescription: Stackyard benchmark\n`);
}

function projectDir(id: string): string {
  const dir = tempDir(`stackyard-bench-${id}-project`);
  writeProject(dir);
  return dir;
}

async function stackyardBackend(id: BackendId, binary: string, peers: SharedPeers): Promise<WorkloadBackend> {
  const mode: StackyardMode = id.startsWith('mariadb-s3') ? 'mariadb-s3' : 'embedded';
  const cliEnv: Record<string, string> = id === 'mariadb-s3-fast-batches' ? FAST_BATCH_CLI_ENV : {};
  const extraEnv = STACKYARD_ENV[id] ?? {};
  const suite = await startStackyard(mode, peers, extraEnv);
  try {
    const dir = projectDir(id);
    const cli = new PulumiCli({ binary, caFile: suite.caFile, accessToken: suite.adminToken, cwd: dir });
    await cli.login(suite.apiUrl);
    const name = (size: number) => `${suite.org}/${PROJECT}/n${size}`;
    const settings = Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`);
    return {
      id,
      title: BACKEND_TITLES[id],
      cli,
      env: cliEnv,
      projectDir: dir,
      suite,
      notes: [
        `${mode === 'embedded' ? 'SQLite + disk objects' : 'MariaDB + versitygw S3'}; api settings: ${settings.length ? settings.join(', ') : 'shipped defaults (journaling and delta checkpoints on)'}` +
          Object.entries(cliEnv)
            .map(([k, v]) => `; CLI: ${k}=${v}`)
            .join(''),
      ],
      stackName: name,
      initStack: async (size) => {
        await cli.ok(['stack', 'init', name(size)]);
      },
      removeStack: async (size) => {
        await cli.run(['stack', 'rm', '--yes', '--force', name(size)], { timeoutMs: 600_000 });
      },
      stop: () => suite.stop(),
    };
  } catch (error) {
    await suite.stop();
    throw error;
  }
}

/** The CLI's DIY backends need no CA; SSL_CERT_FILE="" leaves Go on the system roots. */
const NO_CA = '';

async function diyBackend(id: BackendId, binary: string, loginUrl: string, env: Record<string, string | undefined>, notes: string[]): Promise<WorkloadBackend> {
  const dir = projectDir(id);
  const cli = new PulumiCli({ binary, caFile: NO_CA, accessToken: '', cwd: dir });
  const fullEnv = { PULUMI_ACCESS_TOKEN: undefined, PULUMI_CONFIG_PASSPHRASE: DIY_PASSPHRASE, ...env };
  await cli.ok(['login', loginUrl], { env: fullEnv });
  const name = (size: number) => `n${size}`;
  return {
    id,
    title: BACKEND_TITLES[id],
    cli,
    env: fullEnv,
    projectDir: dir,
    notes,
    stackName: name,
    initStack: async (size) => {
      await cli.ok(['stack', 'init', name(size), '--secrets-provider', 'passphrase'], { env: fullEnv });
    },
    removeStack: async (size) => {
      await cli.run(['stack', 'rm', '--yes', '--force', name(size)], { env: fullEnv, timeoutMs: 600_000 });
    },
    stop: () => Promise.resolve(),
  };
}

/**
 * The gocloud.dev URL of this CLI (v3.274.1: gocloud.dev v0.46, AWS SDK v2) for a path-style,
 * plain-HTTP S3 server: `endpoint` is a full URL, `use_path_style=true`, and `region` is needed
 * because SigV4 signs it.
 */
export function diyS3Url(bucket: string, s3: VersitygwPeer): string {
  return `s3://${bucket}?endpoint=${encodeURIComponent(s3.endpoint)}&use_path_style=true&region=${encodeURIComponent(s3.region)}`;
}

async function createBucket(s3: VersitygwPeer, bucket: string): Promise<void> {
  const client = s3TestClient(s3);
  await client.makeBucket(bucket, s3.region);
}

/** Starts (or prepares) one workload backend and logs its CLI in. */
export async function startWorkloadBackend(id: BackendId, binary: string, peers: SharedPeers): Promise<WorkloadBackend> {
  switch (id) {
    case 'embedded':
    case 'embedded-delta':
    case 'embedded-plain':
    case 'mariadb-s3':
    case 'mariadb-s3-fast-batches':
      return stackyardBackend(id, binary, peers);
    case 'file':
    case 'floor': {
      const stateDir = tempDir(`stackyard-bench-${id}-state`);
      const floor = id === 'floor';
      return diyBackend(id, binary, `file://${stateDir}`, floor ? { PULUMI_SKIP_CHECKPOINTS: 'true' } : {}, [
        `pulumi login file://<temp dir>; passphrase secrets provider${floor ? '; PULUMI_SKIP_CHECKPOINTS=true (only the final state is written)' : ''}`,
      ]);
    }
    case 's3': {
      const s3 = await peers.versitygw();
      const bucket = s3.uniqueBucket('bench-diy');
      await createBucket(s3, bucket);
      const url = diyS3Url(bucket, s3);
      const env = {
        AWS_ACCESS_KEY_ID: s3.accessKey,
        AWS_SECRET_ACCESS_KEY: s3.secretKey,
        AWS_REGION: s3.region,
        // Hermetic: no instance-metadata probes, no ~/.aws files.
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      };
      return diyBackend(id, binary, url, env, [`pulumi login '${url.replace(bucket, '<bucket>').replace(/127\.0\.0\.1%3A\d+/, '127.0.0.1%3A<port>')}'; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_REGION in the environment; passphrase secrets provider`]);
    }
  }
}
