import type { DataSource } from 'typeorm';
import { readFileSync } from 'node:fs';
import { type KeyProvider, KeyRing, LocalKeyProvider } from '@stackyard/secrets-domain';
import { AwsKmsKeyProvider, AzureKeyVaultKeyProvider, GcpKmsKeyProvider, type GcpKmsKeyProviderOptions, VaultTransitKeyProvider } from '@stackyard/secrets-key-providers';
import { KekCanaryRepository, KekCanaryService, loadLocalKeyFile } from '@stackyard/secrets-feature-keys';
import { runMigrations } from '@stackyard/shared-db';
import { createLogger, type RunningService, startService } from '@stackyard/shared-service';
import type { LoggerService } from '@nestjs/common';
import { AppModule } from './app.module';
import { createSecretsDataSource, SECRETS_MIGRATION_LOCK } from './data-source';
import type { KeyProviderConfig, SecretsConfig } from './secrets.config';

/** Peers allowed to call secrets: the api (stack secrets), identity and the console's backend. */
export const SECRETS_ALLOWED_PEERS = ['api', 'identity', 'console-backend'];

export interface RunningSecrets extends RunningService {
  dataSource: DataSource;
  keyProvider: KeyRing;
}

/**
 * Loads the KEK, opens the database, brings the schema up to date (or checks it is), proves the KEK
 * against the stored canary, then listens with mutual TLS. Rejects, with nothing left open, if any
 * step fails; a KEK mismatch rejects with KekMismatchError.
 */
export async function startSecrets(config: SecretsConfig): Promise<RunningSecrets> {
  const logger = createLogger('secrets', config);
  const keyProvider = createKeyRing(config, logger);
  if (keyProvider.previous.length > 0) {
    logger.log(`unwrapping with the previous key provider (${config.previousKeyProvider?.KEY_PROVIDER}) too; new keys are wrapped by ${config.KEY_PROVIDER}. Run the admin command \`rewrap\`, then drop the STACKYARD_PREVIOUS_* settings`);
  }
  // A remote provider must answer before anything else: a clear start-up error beats a canary failure.
  await keyProvider.check();
  const dataSource = createSecretsDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await runMigrations(dataSource, SECRETS_MIGRATION_LOCK);
      if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
    } else if (await dataSource.showMigrations()) {
      throw new Error('the secrets database has pending migrations; run the migrate entry (dist/apps/secrets/src/migrate.js) first');
    }
    const canary = await new KekCanaryService(new KekCanaryRepository(dataSource), keyProvider).verifyOrCreate();
    logger.log(canary === 'created' ? `stored the KEK canary for ${keyProvider.keyId}` : `KEK ${keyProvider.keyId} matches the database`);
    const service = await startService({
      name: 'secrets',
      module: AppModule.register(dataSource, keyProvider, {
        cacheMaxEntries: config.DATA_KEY_CACHE_SIZE,
        cacheTtlMs: config.DATA_KEY_CACHE_TTL_SECONDS * 1000,
        ...(config.CIPHER_WORKERS === undefined ? {} : { cipherWorkers: config.CIPHER_WORKERS }),
      }),
      config,
      allowedPeers: SECRETS_ALLOWED_PEERS,
      // 10,000 values per call at most; Pulumi secrets are small, but certificates and kubeconfigs
      // as secrets are common, so allow a generous total.
      maxBodyBytes: 32 * 1024 * 1024,
      readiness: () => [async () => void (await dataSource.query('SELECT 1')), () => keyProvider.check()],
    });
    return { ...service, dataSource, keyProvider };
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
}

/** The active provider plus the unwrap-only previous one, when configured. */
export function createKeyRing(config: SecretsConfig, logger: LoggerService): KeyRing {
  const previous = config.previousKeyProvider ? [createKeyProvider(config.previousKeyProvider, logger)] : [];
  return new KeyRing(createKeyProvider(config, logger), previous);
}

/** Builds the configured provider; every remote one gets explicit endpoint and credentials only. */
export function createKeyProvider(config: KeyProviderConfig, logger: LoggerService): KeyProvider {
  const text = (path: string | undefined): string | undefined => (path ? readFileSync(path, 'utf8') : undefined);
  switch (config.KEY_PROVIDER) {
    case 'vault':
      return new VaultTransitKeyProvider({
        endpoint: config.VAULT_ADDR!,
        mount: config.VAULT_TRANSIT_MOUNT,
        keyName: config.VAULT_TRANSIT_KEY!,
        auth:
          config.VAULT_AUTH === 'token'
            ? { method: 'token', token: config.VAULT_TOKEN! }
            : { method: 'kubernetes', role: config.VAULT_KUBERNETES_ROLE!, mount: config.VAULT_KUBERNETES_MOUNT, jwt: () => readFileSync(config.VAULT_KUBERNETES_TOKEN_PATH, 'utf8').trim() },
        namespace: config.VAULT_NAMESPACE,
        caPem: text(config.VAULT_CA_FILE),
      });
    case 'aws-kms':
      return new AwsKmsKeyProvider({
        endpoint: config.AWS_KMS_ENDPOINT!,
        region: config.AWS_KMS_REGION!,
        keyId: config.AWS_KMS_KEY_ID!,
        credentials: { accessKeyId: config.AWS_KMS_ACCESS_KEY_ID!, secretAccessKey: config.AWS_KMS_SECRET_ACCESS_KEY!, ...(config.AWS_KMS_SESSION_TOKEN ? { sessionToken: config.AWS_KMS_SESSION_TOKEN } : {}) },
      });
    case 'azure-keyvault': {
      const tokenPath = config.AZURE_KEYVAULT_ACCESS_TOKEN_PATH!;
      return new AzureKeyVaultKeyProvider({
        vaultUrl: config.AZURE_KEYVAULT_URL!,
        keyName: config.AZURE_KEYVAULT_KEY_NAME!,
        // Re-read on every request for a token, so whatever keeps the file fresh is honoured.
        credential: { getToken: () => Promise.resolve({ token: readFileSync(tokenPath, 'utf8').trim(), expiresOnTimestamp: Date.now() + 60_000 }) },
        caPem: text(config.AZURE_KEYVAULT_CA_FILE),
        disableChallengeResourceVerification: !/\.vault\.azure\.(net|cn)(:\d+)?\/?$/.test(new URL(config.AZURE_KEYVAULT_URL!).host + '/'),
      });
    }
    case 'gcp-kms': {
      let transport: GcpKmsKeyProviderOptions['transport'] = 'insecure';
      if (!config.GCP_KMS_INSECURE_PLAINTEXT) {
        const key = JSON.parse(readFileSync(config.GCP_KMS_CREDENTIALS_FILE!, 'utf8')) as { client_email?: string; private_key?: string; project_id?: string };
        if (!key.client_email || !key.private_key) throw new Error(`${config.GCP_KMS_CREDENTIALS_FILE} is not a service-account key (client_email, private_key)`);
        const ca = config.GCP_KMS_CA_FILE ? readFileSync(config.GCP_KMS_CA_FILE) : undefined;
        transport = { credentials: { client_email: key.client_email, private_key: key.private_key }, projectId: key.project_id ?? config.GCP_KMS_CRYPTO_KEY!.split('/')[1], ...(ca ? { ca } : {}) };
      }
      return new GcpKmsKeyProvider({ cryptoKey: config.GCP_KMS_CRYPTO_KEY!, apiEndpoint: config.GCP_KMS_ENDPOINT, port: config.GCP_KMS_PORT, transport });
    }
    case 'local': {
      const file = loadLocalKeyFile(config.LOCAL_KEY_FILE!, { generate: config.GENERATE_LOCAL_KEY });
      if (file.generated) logger.log(`generated a new local key-encryption key at ${file.path}; back it up: without it no secret can be decrypted`);
      for (const warning of file.warnings) logger.warn(warning);
      const provider = new LocalKeyProvider(file.key);
      file.key.fill(0);
      return provider;
    }
  }
}
