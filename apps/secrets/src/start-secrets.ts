import type { DataSource } from 'typeorm';
import { type KeyProvider, LocalKeyProvider } from '@stackyard/secrets-domain';
import { KekCanaryRepository, KekCanaryService, loadLocalKeyFile } from '@stackyard/secrets-feature-keys';
import { runMigrations } from '@stackyard/shared-db';
import { createLogger, type RunningService, startService } from '@stackyard/shared-service';
import type { LoggerService } from '@nestjs/common';
import { AppModule } from './app.module';
import { createSecretsDataSource, SECRETS_MIGRATION_LOCK } from './data-source';
import type { SecretsConfig } from './secrets.config';

/** Peers allowed to call secrets: the api (stack secrets), identity and the console's backend. */
export const SECRETS_ALLOWED_PEERS = ['api', 'identity', 'console-backend'];

export interface RunningSecrets extends RunningService {
  dataSource: DataSource;
  keyProvider: KeyProvider;
}

/**
 * Loads the KEK, opens the database, brings the schema up to date (or checks it is), proves the KEK
 * against the stored canary, then listens with mutual TLS. Rejects, with nothing left open, if any
 * step fails; a KEK mismatch rejects with KekMismatchError.
 */
export async function startSecrets(config: SecretsConfig): Promise<RunningSecrets> {
  const logger = createLogger('secrets', config);
  const keyProvider = createKeyProvider(config, logger);
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

function createKeyProvider(config: SecretsConfig, logger: LoggerService): KeyProvider {
  switch (config.KEY_PROVIDER) {
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
