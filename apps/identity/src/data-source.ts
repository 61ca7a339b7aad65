import type { DataSource } from 'typeorm';
import { createDataSource } from '@stackyard/shared-db';
import { IDENTITY_ENTITIES } from '@stackyard/identity-feature-tokens';
import { CreateIdentitySchema1795678825479 } from './migrations/1795678825479-CreateIdentitySchema';
import { SignInSessionsTeams1795900000000 } from './migrations/1795900000000-SignInSessionsTeams';

/** The identity schema's own migrations table and lock, so it can share a MySQL server or schema. */
export const IDENTITY_MIGRATIONS_TABLE = 'identity_migrations';
export const IDENTITY_MIGRATION_LOCK = 'stackyard_identity_migrations';

/** In order; add each new migration class here (they are listed, not globbed, so bundles work). */
export const IDENTITY_MIGRATIONS = [CreateIdentitySchema1795678825479, SignInSessionsTeams1795900000000];

export function createIdentityDataSource(url: string): DataSource {
  return createDataSource({
    url,
    entities: IDENTITY_ENTITIES,
    migrations: IDENTITY_MIGRATIONS,
    migrationsTableName: IDENTITY_MIGRATIONS_TABLE,
  });
}
