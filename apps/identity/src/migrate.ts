import 'reflect-metadata';
import { loadConfig } from '@stackyard/shared-config';
import { runMigrationsCommand } from '@stackyard/shared-db';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { identityMigrateConfigSchema } from './identity.config';

/** Runs the identity schema's pending migrations and exits (the chart's pre-upgrade Job). */
runMigrationsCommand('identity', loadConfig(identityMigrateConfigSchema, { env: process.env }).DATABASE_URL, createIdentityDataSource, IDENTITY_MIGRATION_LOCK).catch(
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
