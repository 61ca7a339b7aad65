import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PulumiCli, startVault, tempDir, type VaultPeer } from '@stackyard/testing';
import { runProgram } from '../support/program';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';
import { EXPECTED } from '../support/workflow-program';

/**
 * Issue 4's promise to an operator, with the real CLI: secrets written before a stack rename, a
 * data-key rotation, a provider migration (local key → Vault Transit) and a KEK rotation all keep
 * decrypting — right after each admin command while the service runs, and again after the secrets
 * service restarts with an empty key cache (so every key really is unwrapped from the database).
 */

const PROJECT = 'e2e-keys';
const FIRST_SECRET = 'first secret, set before any rotation';
const SECOND_SECRET = 'second secret, set after the data-key rotation';
const ADMIN = resolve(__dirname, '..', '..', 'apps', 'secrets', 'src', 'admin.js');
const run = promisify(execFile);

interface RewrapReport {
  target: { kekId: string; kekVersion: number };
  examined: number;
  rewrapped: number;
  remaining: number;
  canary: string;
}
interface KeyStatus {
  active: { kekId: string; kekVersion: number };
  canary: { kekId: string; kekVersion: number };
  keys: Array<{ kekId: string; kekVersion: number; keys: number }>;
}

let vault: VaultPeer;

before(async () => {
  vault = await startVault();
  await vault.api('POST', 'sys/mounts/transit', { type: 'transit' });
});

after(async () => {
  await vault?.stop();
});

for (const mode of selectedModes()) {
  describe(`key rotation and provider migration with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let cli: PulumiCli;
    let projectDir: string;
    let stack = 'keys';
    const transitKey = `stackyard-${mode}`;
    const ref = () => `${started.suite.org}/${PROJECT}/${stack}`;

    /** The secrets admin command, with the running secrets service's own environment. */
    const admin = async <T>(...args: string[]): Promise<T> => {
      const env = { ...started.suite.serviceEnvs.secrets, PATH: process.env.PATH };
      const { stdout } = await run(process.execPath, [ADMIN, ...args, '--json'], { env, timeout: 120_000 });
      return JSON.parse(stdout) as T;
    };

    /** Both secrets read back through the CLI: config (encrypt/decrypt) and stack outputs (state). */
    const expectSecretsDecrypt = async (withSecond: boolean): Promise<void> => {
      assert.equal((await cli.ok(['config', 'get', 'dbPassword', '--stack', ref()])).stdout.trim(), FIRST_SECRET);
      if (withSecond) assert.equal((await cli.ok(['config', 'get', 'second', '--stack', ref()])).stdout.trim(), SECOND_SECRET);
      const outputs = await cli.json<Record<string, unknown>>(['stack', 'output', '--json', '--show-secrets', '--stack', ref()]);
      assert.equal(outputs.dbPassword, FIRST_SECRET);
      assert.equal(outputs.apiKey, EXPECTED.apiKey);
    };

    /** Same checks after a restart of the secrets service: no cached data key can hide a bad wrapping. */
    const expectAfterRestart = async (withSecond: boolean, envChanges?: Record<string, string | undefined>): Promise<void> => {
      await started.suite.restartService('secrets', envChanges);
      await expectSecretsDecrypt(withSecond);
    };

    /** The data-key version inside a config ciphertext the CLI wrote (the envelope's bytes 1–4). */
    const configKeyVersion = (key: string): number => {
      const settings = readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), 'utf8');
      const match = new RegExp(`${key}:\\s*\\n\\s*secure: (\\S+)`).exec(settings);
      assert.ok(match, `Pulumi.${stack}.yaml holds ${key} as a secure value`);
      return Buffer.from(match[1].replace(/^v\d+:/, ''), 'base64').readUInt32BE(1);
    };

    before(async () => {
      await vault.api('POST', `transit/keys/${transitKey}`, { type: 'aes256-gcm96' });
      const [binary, suite] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode)]);
      started = suite;
      projectDir = tempDir('stackyard-e2e-keys');
      writeFileSync(join(projectDir, 'Pulumi.yaml'), `name: ${PROJECT}\nruntime: nodejs\n`);
      cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: started.suite.adminToken, cwd: projectDir });
      await cli.login(started.suite.apiUrl);
    });

    after(async () => {
      await started?.stop();
    });

    void it('writes a secret config value and secret outputs on the local key', async () => {
      await cli.ok(['stack', 'init', ref()]);
      await cli.ok(['config', 'set', '--secret', 'dbPassword', FIRST_SECRET, '--stack', ref()]);
      await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: ref(), workDir: projectDir, program: { resources: 2, generation: 1 } });
      await expectSecretsDecrypt(false);
      // Each of those decrypts is an audit line in the api's log, naming the user and never a value.
      const audit = readFileSync(join(started.suite.dataDir, 'logs', 'api.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('stack.secrets.decrypt'));
      assert.ok(audit.some((line) => line.includes(`\\"actor\\":\\"${started.suite.adminLogin}\\"`) || line.includes(`"actor":"${started.suite.adminLogin}"`)), `an audit line for ${started.suite.adminLogin}: ${audit.slice(0, 2).join(' | ')}`);
      assert.ok(!audit.some((line) => line.includes(FIRST_SECRET)));
      const status = await admin<KeyStatus>('status');
      assert.match(status.active.kekId, /^local:/);
      assert.deepEqual(status.keys.map((k) => k.kekId), [status.active.kekId]);
    });

    void it('still decrypts after a stack rename (keys follow the immutable stack id)', async () => {
      await cli.ok(['stack', 'rename', `${started.suite.org}/${PROJECT}/keys-renamed`, '--stack', ref()]);
      stack = 'keys-renamed';
      await expectSecretsDecrypt(false);
    });

    void it('rotates the stack data key: old values still decrypt, new ones use the new version', async () => {
      const rotated = await admin<{ rotated: number }>('rotate-data-key', '--all');
      assert.equal(rotated.rotated, 1);
      await expectSecretsDecrypt(false);
      // A restart empties the key cache, so the next encryption uses the newest version at once.
      await expectAfterRestart(false);
      assert.equal(configKeyVersion('dbPassword'), 1);
      await cli.ok(['config', 'set', '--secret', 'second', SECOND_SECRET, '--stack', ref()]);
      assert.equal(configKeyVersion('second'), 2, 'a value set after the rotation is sealed with data key v2');
      await expectSecretsDecrypt(true);
    });

    void it('migrates from the local key to Vault Transit while serving, then runs without the local key', async () => {
      const localKeyFile = started.suite.serviceEnvs.secrets.STACKYARD_LOCAL_KEY_FILE;
      assert.ok(localKeyFile);
      const vaultSettings = { STACKYARD_KEY_PROVIDER: 'vault', STACKYARD_VAULT_ADDR: vault.endpoint, STACKYARD_VAULT_TRANSIT_KEY: transitKey, STACKYARD_VAULT_TOKEN: vault.rootToken };
      // Step 1 (a rolling restart in a cluster): Vault wraps, the local key still unwraps.
      await expectAfterRestart(true, {
        ...vaultSettings,
        STACKYARD_LOCAL_KEY_FILE: undefined,
        STACKYARD_GENERATE_LOCAL_KEY: undefined,
        STACKYARD_PREVIOUS_KEY_PROVIDER: 'local',
        STACKYARD_PREVIOUS_LOCAL_KEY_FILE: localKeyFile,
      });
      // Step 2: re-wrap every data key (both versions) and the canary with Vault.
      const report = await admin<RewrapReport>('rewrap');
      assert.equal(report.target.kekId, `vault-transit:transit/${transitKey}`);
      assert.equal(report.rewrapped, 2);
      assert.equal(report.remaining, 0);
      assert.equal(report.canary, 'rewrapped');
      await expectSecretsDecrypt(true);
      // Step 3: drop the local key from the settings; everything opens through Vault alone.
      await expectAfterRestart(true, { STACKYARD_PREVIOUS_KEY_PROVIDER: undefined, STACKYARD_PREVIOUS_LOCAL_KEY_FILE: undefined });
      const status = await admin<KeyStatus>('status');
      assert.deepEqual(status.keys, [{ kekId: `vault-transit:transit/${transitKey}`, kekVersion: 1, keys: 2 }]);
      assert.equal(status.canary.kekId, `vault-transit:transit/${transitKey}`);
    });

    void it('rotates the key-encryption key in Vault and re-wraps every data key with the new version', async () => {
      const report = await admin<RewrapReport>('rotate-kek');
      assert.deepEqual(report.target, { kekId: `vault-transit:transit/${transitKey}`, kekVersion: 2 });
      assert.equal(report.rewrapped, 2);
      assert.equal(report.canary, 'rewrapped');
      await expectSecretsDecrypt(true);
      // Retire version 1 in Vault: if any key were still wrapped by it, it could not open now.
      await vault.api('POST', `transit/keys/${transitKey}/config`, { min_decryption_version: 2 });
      await expectAfterRestart(true);
      await cli.ok(['config', 'set', '--secret', 'third', 'after everything', '--stack', ref()]);
      assert.equal((await cli.ok(['config', 'get', 'third', '--stack', ref()])).stdout.trim(), 'after everything');
    });
  });
}
