import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { KeyProviderUnavailableError } from '@stackyard/secrets-domain';
import { type DecryptValuesResponse, type EncryptValuesResponse, secretsDecryptPath, secretsEncryptPath } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki } from '@stackyard/shared-tls';
import { removeTempDir, startLocalKms, startVault, tempDir } from '@stackyard/testing';
import { loadSecretsConfig } from './secrets.config';
import { startSecrets } from './start-secrets';
import { secretsTestEnv } from './testing/secrets-test-env';

/**
 * The secrets service wired to a remote key provider (STACKYARD_KEY_PROVIDER), end to end: values
 * encrypted through the service decrypt after a restart and after the KEK is rotated on the server.
 */
interface Remote {
  name: string;
  env(): Record<string, string>;
  rotate(): Promise<void>;
  stop(): Promise<void>;
}

async function vaultRemote(): Promise<Remote> {
  const vault = await startVault();
  await vault.api('POST', 'sys/mounts/transit', { type: 'transit' });
  await vault.api('POST', 'transit/keys/stackyard', { type: 'aes256-gcm96' });
  return {
    name: 'vault',
    env: () => ({ STACKYARD_KEY_PROVIDER: 'vault', STACKYARD_VAULT_ADDR: vault.endpoint, STACKYARD_VAULT_TRANSIT_KEY: 'stackyard', STACKYARD_VAULT_TOKEN: vault.rootToken }),
    rotate: async () => void (await vault.api('POST', 'transit/keys/stackyard/rotate')),
    stop: () => vault.stop(),
  };
}

async function awsRemote(): Promise<Remote> {
  const kms = await startLocalKms();
  const admin = new KMSClient({ endpoint: kms.endpoint, region: kms.region, credentials: kms.credentials });
  const newKey = async (): Promise<string> => (await admin.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await admin.send(new CreateAliasCommand({ AliasName: 'alias/stackyard', TargetKeyId: await newKey() }));
  return {
    name: 'aws-kms',
    env: () => ({
      STACKYARD_KEY_PROVIDER: 'aws-kms',
      STACKYARD_AWS_KMS_ENDPOINT: kms.endpoint,
      STACKYARD_AWS_KMS_REGION: kms.region,
      STACKYARD_AWS_KMS_KEY_ID: 'alias/stackyard',
      STACKYARD_AWS_KMS_ACCESS_KEY_ID: kms.credentials.accessKeyId,
      STACKYARD_AWS_KMS_SECRET_ACCESS_KEY: kms.credentials.secretAccessKey,
    }),
    rotate: async () => void (await admin.send(new UpdateAliasCommand({ AliasName: 'alias/stackyard', TargetKeyId: await newKey() }))),
    stop: async () => {
      admin.destroy();
      await kms.stop();
    },
  };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

for (const makeRemote of [vaultRemote, awsRemote]) {
  void describe(`secrets service with STACKYARD_KEY_PROVIDER=${makeRemote === vaultRemote ? 'vault' : 'aws-kms'}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let remote: Remote;
    const stackId = '5c6d7e8f-1a2b-4c3d-9e8f-7a6b5c4d3e2f';

    before(async () => {
      dir = tempDir('stackyard-secrets-kp');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      remote = await makeRemote();
    });
    after(async () => {
      await remote?.stop();
      removeTempDir(dir);
    });

    const start = () =>
      startSecrets(loadSecretsConfig(secretsTestEnv(pki, `sqlite:${join(dir, 'secrets.db')}`, remote.env())));
    const roundTrip = async <T>(work: (client: InternalClient) => Promise<T>): Promise<T> => {
      const running = await start();
      const client = new InternalClient({ baseUrl: running.url, expectService: 'secrets', caFile: pki.caFile, certFile: pki.services.api.certFile, keyFile: pki.services.api.keyFile, timeoutMs: 10_000 });
      try {
        return await work(client);
      } finally {
        client.close();
        await running.close();
        if (running.dataSource.isInitialized) await running.dataSource.destroy();
      }
    };

    void it('encrypts and decrypts through the service, across a restart and a KEK rotation on the server', async () => {
      const first = await roundTrip(async (client) => {
        const { ciphertexts } = await client.post<EncryptValuesResponse>(secretsEncryptPath(stackId), { plaintexts: [b64('alpha'), b64('beta')] });
        assert.deepEqual((await client.post<DecryptValuesResponse>(secretsDecryptPath(stackId), { ciphertexts })).plaintexts, [b64('alpha'), b64('beta')]);
        return ciphertexts;
      });
      await remote.rotate();
      await roundTrip(async (client) => {
        assert.deepEqual((await client.post<DecryptValuesResponse>(secretsDecryptPath(stackId), { ciphertexts: first })).plaintexts, [b64('alpha'), b64('beta')]);
        const { ciphertexts } = await client.post<EncryptValuesResponse>(secretsEncryptPath('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'), { plaintexts: [b64('gamma')] });
        assert.deepEqual((await client.post<DecryptValuesResponse>(secretsDecryptPath('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'), { ciphertexts })).plaintexts, [b64('gamma')]);
      });
    });

    void it('refuses to start, naming the provider, when the provider is down', async () => {
      await remote.stop();
      await assert.rejects(start(), (error: unknown) => error instanceof KeyProviderUnavailableError && error.message.includes(remote.name));
    });
  });
}
