import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { PulumiCli, REPO_ROOT, s3TestClient, tempDir } from '@stackyard/testing';
import { initStack, sharedProjectDir } from '../access/support/project';
import { runProgram } from '../support/program';
import { startSuiteInMode, type ExternalStorage, type StartedSuite } from '../support/suite-modes';

/**
 * scripts/backup.sh and scripts/restore.sh on a production-shaped suite (MariaDB + S3 via
 * versitygw): a stack with state is backed up with the services stopped, the databases and the
 * bucket are wiped, the backup is restored (after restore has refused to overwrite live data
 * without --force), and the services — started without running migrations, so the schema must
 * come from the backup — give the real CLI the same stack and state back.
 */

const PROJECT = 'backup';
const STACK = 'stackyard/backup/prod';

interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    // Only what the scripts are documented to read, plus PATH for the MariaDB client tools.
    const child = spawn('bash', [join(REPO_ROOT, 'scripts', script), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE: process.execPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function databaseUrl(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The scripts' configuration: the services' own variables. */
function scriptEnv(external: ExternalStorage): Record<string, string> {
  return {
    STACKYARD_API_DATABASE_URL: databaseUrl(external.mysqlUrl, external.databases.api),
    STACKYARD_IDENTITY_DATABASE_URL: databaseUrl(external.mysqlUrl, external.databases.identity),
    STACKYARD_SECRETS_DATABASE_URL: databaseUrl(external.mysqlUrl, external.databases.secrets),
    STACKYARD_S3_ENDPOINT: external.s3.endpoint,
    STACKYARD_S3_BUCKET: external.s3.bucket,
    STACKYARD_S3_ACCESS_KEY: external.s3.accessKey,
    STACKYARD_S3_SECRET_KEY: external.s3.secretKey,
    STACKYARD_S3_REGION: external.s3.region ?? 'us-east-1',
  };
}

async function tableCount(url: string): Promise<number> {
  const connection = await createConnection(url);
  try {
    const [rows] = await connection.query<import('mysql2').RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()');
    return Number(rows[0].n);
  } finally {
    await connection.end();
  }
}

/** The disaster: every table of a database dropped. */
async function dropAllTables(url: string): Promise<void> {
  const connection = await createConnection(url);
  try {
    const [rows] = await connection.query<import('mysql2').RowDataPacket[]>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
    await connection.query('SET FOREIGN_KEY_CHECKS=0');
    for (const row of rows) await connection.query(`DROP TABLE \`${String(row.name)}\``);
  } finally {
    await connection.end();
  }
}

async function objectNames(external: ExternalStorage): Promise<string[]> {
  const client = s3TestClient(external.s3);
  const names: string[] = [];
  for await (const item of client.listObjectsV2(external.s3.bucket, '', true) as AsyncIterable<{ name?: string }>) if (item.name) names.push(item.name);
  return names;
}

void describe('backup and restore of a MariaDB + S3 installation', { timeout: 10 * 60_000 }, () => {
  let started: StartedSuite;
  let external: ExternalStorage;
  let cli: PulumiCli;
  let env: Record<string, string>;
  let exportedBefore: string;
  let backupDir = '';
  const secretToken = `backup-secret-${randomBytes(6).toString('hex')}`;
  const markers = { secretToken, secretOutput: `backup-out-${randomBytes(6).toString('hex')}`, plainOutput: 'plain-out', plainLabel: 'plain-label' };
  const keys = ['api', 'identity', 'secrets'] as const;

  const stopServices = async () => {
    const s = started.suite.services;
    // Writes stop first (the api; in Kubernetes: scale it to 0), then the rest.
    await s.api.stop();
    await Promise.all([s.consoleBackend.stop(), s.identity.stop(), s.secrets.stop()]);
  };

  before(async () => {
    const binary = await PulumiCli.binaryPath();
    started = await startSuiteInMode('mariadb-s3');
    assert.ok(started.external);
    external = started.external;
    env = scriptEnv(external);
    cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: sharedProjectDir(PROJECT) });
    await cli.login(started.suite.apiUrl);
    await initStack(cli, STACK);
    await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: STACK, program: { resources: 3, generation: 1, markers } });
    exportedBefore = (await cli.ok(['stack', 'export', '--stack', STACK])).stdout;
    await stopServices();
  });

  after(async () => {
    await started?.stop();
  });

  void it('backs up every service database and the bucket into a dated directory', async () => {
    const out = tempDir('stackyard-backups');
    const result = await runScript('backup.sh', ['--out', out], env);
    assert.equal(result.code, 0, result.stderr);
    backupDir = result.stdout.trim().split('\n').pop() ?? '';
    assert.match(backupDir, /stackyard-backup-\d{8}T\d{6}Z$/);
    for (const file of ['api.sql', 'identity.sql', 'secrets.sql', 'backup.json', 'SHA256SUMS']) assert.ok(existsSync(join(backupDir, file)), file);
    assert.match(readFileSync(join(backupDir, 'api.sql'), 'utf8'), /CREATE TABLE/);
    const manifest = JSON.parse(readFileSync(join(backupDir, 'backup.json'), 'utf8')) as { kind: string; objects: number };
    assert.equal(manifest.kind, 'mysql-s3');
    assert.equal(manifest.objects, (await objectNames(external)).length);
    assert.ok(manifest.objects > 0, 'the stack has objects in the bucket');
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(external.s3.secretKey), 'no credential in the output');
    assert.match(result.stderr, /key-encryption key is not in this backup/);
  });

  void it('refuses to restore over live data without --force', async () => {
    assert.ok(backupDir, 'the backup test ran');
    const result = await runScript('restore.sh', [backupDir], env);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /already has \d+ tables; restore only into an empty database, or pass --force/);
  });

  void it('restores into wiped databases and bucket, and the CLI sees the stack and its state again', async () => {
    assert.ok(backupDir, 'the backup test ran');
    for (const key of keys) await dropAllTables(env[`STACKYARD_${key.toUpperCase()}_DATABASE_URL`]);
    await s3TestClient(external.s3).removeObjects(external.s3.bucket, await objectNames(external));
    assert.deepEqual(await objectNames(external), []);
    for (const key of keys) assert.equal(await tableCount(env[`STACKYARD_${key.toUpperCase()}_DATABASE_URL`]), 0);

    const restored = await runScript('restore.sh', [backupDir], env);
    assert.equal(restored.code, 0, restored.stderr);
    // --force over what was just restored replaces it with the same content.
    const forced = await runScript('restore.sh', [backupDir, '--force'], env);
    assert.equal(forced.code, 0, forced.stderr);

    // No migrations on start: the schema the services find is the one in the backup.
    for (const key of ['secrets', 'identity', 'api', 'consoleBackend'] as const) await started.suite.restartService(key, { STACKYARD_MIGRATE_ON_START: 'false' });

    const listed = await cli.json<{ name: string }[]>(['stack', 'ls', '--all', '--json']);
    assert.ok(listed.some((s) => s.name.endsWith('prod')), `the restored stack is listed: ${JSON.stringify(listed)}`);
    const exportedAfter = (await cli.ok(['stack', 'export', '--stack', STACK])).stdout;
    assert.deepEqual(JSON.parse(exportedAfter), JSON.parse(exportedBefore), 'the restored state is the backed-up state');
    const revealed = await cli.ok(['stack', 'export', '--show-secrets', '--stack', STACK]);
    assert.ok(revealed.stdout.includes(secretToken), 'secrets decrypt with the (separately kept) key');
    // The restored state carries on: another update, and its history has both.
    await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: STACK, program: { resources: 3, generation: 2, markers } });
    const history = await cli.ok(['stack', 'history', '--stack', STACK, '--json']);
    assert.equal((JSON.parse(history.stdout) as unknown[]).length, 2);
  });
});
