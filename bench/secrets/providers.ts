import { Agent } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { TokenCredential } from '@azure/core-auth';
import { KeyClient } from '@azure/keyvault-keys';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import {
  LOCAL_KMS_VERSION,
  MOTO_VERSION,
  OPENBAO_PSEUDO_VERSION,
  removeTempDir,
  startAzureKeyVault,
  startGcpKms,
  startLocalKms,
  startVault,
  tempDir,
  VAULT_VERSION,
} from '@stackyard/testing';
import type { KeyProviderId } from './options';

/** A running key-encryption-key provider and the secrets service settings that select it. */
export interface KeyProviderServer {
  /** STACKYARD_* variables for the secrets service. */
  env: Record<string, string>;
  /** What serves the provider and how the key is set up, for the report. */
  setup: string;
  stop(): Promise<void>;
}

/** Runs `configure` against a just-started server, stopping the server if configuring fails. */
async function configured(stop: () => Promise<void>, configure: () => Promise<Omit<KeyProviderServer, 'stop'>>): Promise<KeyProviderServer> {
  try {
    return { ...(await configure()), stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function vault(): Promise<KeyProviderServer> {
  const peer = await startVault();
  return configured(
    () => peer.stop(),
    async () => {
      await peer.api('POST', 'sys/mounts/transit', { type: 'transit' });
      await peer.api('POST', 'transit/keys/stackyard', { type: 'aes256-gcm96' });
      const server = peer.kind === 'vault' ? `Vault ${VAULT_VERSION}` : `OpenBao ${OPENBAO_PSEUDO_VERSION}`;
      return {
        env: { STACKYARD_KEY_PROVIDER: 'vault', STACKYARD_VAULT_ADDR: peer.endpoint, STACKYARD_VAULT_TRANSIT_KEY: 'stackyard', STACKYARD_VAULT_TOKEN: peer.rootToken },
        setup: `${server} dev server (in-memory storage, plain HTTP on loopback), Transit key \`aes256-gcm96\`, token auth`,
      };
    },
  );
}

async function awsKms(): Promise<KeyProviderServer> {
  const peer = await startLocalKms();
  const admin = new KMSClient({ endpoint: peer.endpoint, region: peer.region, credentials: peer.credentials });
  return configured(
    async () => {
      admin.destroy();
      await peer.stop();
    },
    async () => {
      const key = await admin.send(new CreateKeyCommand({ Description: 'stackyard secrets benchmark' }));
      await admin.send(new CreateAliasCommand({ AliasName: 'alias/stackyard', TargetKeyId: key.KeyMetadata!.KeyId! }));
      const server = peer.kind === 'local-kms' ? `local-kms ${LOCAL_KMS_VERSION}` : `moto server ${MOTO_VERSION}`;
      return {
        env: {
          STACKYARD_KEY_PROVIDER: 'aws-kms',
          STACKYARD_AWS_KMS_ENDPOINT: peer.endpoint,
          STACKYARD_AWS_KMS_REGION: peer.region,
          STACKYARD_AWS_KMS_KEY_ID: 'alias/stackyard',
          STACKYARD_AWS_KMS_ACCESS_KEY_ID: peer.credentials.accessKeyId,
          STACKYARD_AWS_KMS_SECRET_ACCESS_KEY: peer.credentials.secretAccessKey,
        },
        setup: `${server} (plain HTTP on loopback), a symmetric key behind \`alias/stackyard\``,
      };
    },
  );
}

async function azureKeyVault(): Promise<KeyProviderServer> {
  const peer = await startAzureKeyVault();
  const files = tempDir('stackyard-bench-secrets-azure');
  return configured(
    async () => {
      await peer.stop();
      removeTempDir(files);
    },
    async () => {
      const credential: TokenCredential = { getToken: () => Promise.resolve({ token: peer.token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
      const admin = new KeyClient(peer.vaultUrl, credential, { disableChallengeResourceVerification: true, agent: new Agent({ ca: peer.caPem }) });
      await admin.createRsaKey('stackyard-kek', { keySize: 2048, keyOps: ['wrapKey', 'unwrapKey'] });
      const tokenFile = join(files, 'token');
      const caFile = join(files, 'ca.pem');
      writeFileSync(tokenFile, peer.token, { mode: 0o600 });
      writeFileSync(caFile, peer.caPem);
      return {
        env: {
          STACKYARD_KEY_PROVIDER: 'azure-keyvault',
          STACKYARD_AZURE_KEYVAULT_URL: peer.vaultUrl,
          STACKYARD_AZURE_KEYVAULT_KEY_NAME: 'stackyard-kek',
          STACKYARD_AZURE_KEYVAULT_ACCESS_TOKEN_PATH: tokenFile,
          STACKYARD_AZURE_KEYVAULT_CA_FILE: caFile,
        },
        setup: 'the in-repo Key Vault REST emulator (HTTPS on loopback, in the benchmark process), an RSA-2048 key, RSA-OAEP-256 wrapKey/unwrapKey',
      };
    },
  );
}

async function gcpKms(): Promise<KeyProviderServer> {
  const peer = await startGcpKms();
  const admin = new KeyManagementServiceClient({ apiEndpoint: peer.host, port: peer.port, sslCreds: grpc.credentials.createInsecure(), projectId: 'unused', universeDomain: 'googleapis.com' });
  return configured(
    async () => {
      await admin.close();
      await peer.stop();
    },
    async () => {
      const [ring] = await admin.createKeyRing({ parent: 'projects/stackyard-bench/locations/global', keyRingId: 'stackyard' });
      const [key] = await admin.createCryptoKey({ parent: ring.name!, cryptoKeyId: 'kek', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } });
      return {
        env: {
          STACKYARD_KEY_PROVIDER: 'gcp-kms',
          STACKYARD_GCP_KMS_CRYPTO_KEY: key.name!,
          STACKYARD_GCP_KMS_ENDPOINT: peer.host,
          STACKYARD_GCP_KMS_PORT: String(peer.port),
          STACKYARD_GCP_KMS_INSECURE_PLAINTEXT: 'true',
        },
        setup: 'the in-repo KeyManagementService gRPC emulator (plaintext gRPC on loopback, in the benchmark process), an AES-256-GCM crypto key',
      };
    },
  );
}

/** Starts the server behind a key provider and creates its key-encryption key. */
export function startKeyProviderServer(id: KeyProviderId): Promise<KeyProviderServer> {
  switch (id) {
    case 'local':
      // The launcher's embedded default: a generated KEK file in the suite's data directory.
      return Promise.resolve({ env: {}, setup: 'a generated 32-byte KEK file in the data directory (the embedded default)', stop: () => Promise.resolve() });
    case 'vault':
      return vault();
    case 'aws-kms':
      return awsKms();
    case 'azure-keyvault':
      return azureKeyVault();
    case 'gcp-kms':
      return gcpKms();
  }
}
