import type { DataSource } from 'typeorm';
import { createDataSource } from '@stackyard/shared-db';
import { SECRETS_ENTITIES } from '@stackyard/secrets-feature-keys';
import { CreateSecretsSchema1795678825480 } from './migrations/1795678825480-CreateSecretsSchema';
import { VersionedDataKeys1795800000000 } from './migrations/1795800000000-VersionedDataKeys';

/** The secrets schema's own migrations table and lock, so it can share a MySQL server or schema. */
export const SECRETS_MIGRATIONS_TABLE = 'secrets_migrations';
export const SECRETS_MIGRATION_LOCK = 'stackyard_secrets_migrations';

/** In order; add each new migration class here (they are listed, not globbed, so bundles work). */
export const SECRETS_MIGRATIONS = [CreateSecretsSchema1795678825480, VersionedDataKeys1795800000000];

export function createSecretsDataSource(url: string): DataSource {
  return createDataSource({
    url,
    entities: SECRETS_ENTITIES,
    migrations: SECRETS_MIGRATIONS,
    migrationsTableName: SECRETS_MIGRATIONS_TABLE,
  });
}
