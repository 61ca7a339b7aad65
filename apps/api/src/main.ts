import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from '@stackyard/shared-config';
import { runMigrations } from '@stackyard/shared-db';
import { InternalClient } from '@stackyard/shared-http';
import { startService } from '@stackyard/shared-service';
import { objectStoreSettingsFromConfig, openObjectStore } from '@stackyard/shared-storage';
import { JOURNAL_ENTRIES_ROUTE, OAUTH_TOKEN_ROUTE, RAW_BODY_ROUTES, SCIM_MAX_BODY_BYTES, SCIM_ROUTE, StacksProtocolModule, StateUploadGate } from '@stackyard/stacks-feature-protocol';
import { loadApiConfig } from './api-config';
import { createApiDataSource } from './api-data-source';

/** The api's composition root: configuration, database, object store, peers, HTTP. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = new Logger('api');
  const dataSource = createApiDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  if (config.MIGRATE_ON_START) {
    const applied = await runMigrations(dataSource, 'stackyard_api_migrations');
    if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  const objectStore = await openObjectStore(objectStoreSettingsFromConfig(config));
  const mtls = { caFile: config.INTERNAL_CA_FILE!, certFile: config.INTERNAL_CERT_FILE!, keyFile: config.INTERNAL_KEY_FILE! };
  const identity = new InternalClient({ baseUrl: config.IDENTITY_URL, expectService: 'identity', ...mtls });
  const secrets = new InternalClient({ baseUrl: config.SECRETS_URL, expectService: 'secrets', ...mtls });
  logger.log(
    config.OBJECT_ENCRYPTION
      ? 'object encryption at rest: on (new objects are sealed with per-stack keys from the secrets service)'
      : 'object encryption at rest: OFF (STACKYARD_OBJECT_ENCRYPTION=false): new checkpoints and journal batches are stored in plaintext',
  );
  const module = StacksProtocolModule.register({
    dataSource,
    objectStore,
    identity,
    secrets,
    settings: {
      leaseSeconds: config.LEASE_SECONDS,
      principalCacheSeconds: config.PRINCIPAL_CACHE_SECONDS,
      deltaCheckpoints: config.DELTA_CHECKPOINTS,
      checkpointCutoffBytes: config.CHECKPOINT_CUTOFF_BYTES,
      journaling: config.JOURNALING,
      objectEncryption: config.OBJECT_ENCRYPTION,
      objectKeyCacheSize: config.OBJECT_KEY_CACHE_SIZE,
      objectKeyCacheTtlMs: config.OBJECT_KEY_CACHE_TTL_SECONDS * 1000,
    },
  });
  await startService({
    name: 'api',
    module,
    config,
    // The OAuth token endpoint reads its form itself (small: it gets MAX_JSON_BYTES below).
    // SCIM bodies are relayed to identity as sent, so malformed JSON gets a SCIM error there.
    rawBodyRoutes: [...RAW_BODY_ROUTES, OAUTH_TOKEN_ROUTE, SCIM_ROUTE],
    maxBodyBytes: (path) => {
      if (RAW_BODY_ROUTES.some((r) => r.test(path))) return config.MAX_STATE_BYTES;
      if (config.JOURNALING && JOURNAL_ENTRIES_ROUTE.test(path)) return config.JOURNAL_MAX_BATCH_BYTES;
      if (SCIM_ROUTE.test(path)) return SCIM_MAX_BODY_BYTES;
      return config.MAX_JSON_BYTES;
    },
    beforeBody: (app) => {
      const gate = app.get(StateUploadGate);
      return async (req, path) => {
        Object.assign(req, await gate.check(req.headers.authorization, path, req.requestId));
      };
    },
    readiness: () => [
      async () => {
        await dataSource.query('SELECT 1');
      },
      () => objectStore.check(),
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
