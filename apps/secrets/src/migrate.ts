import 'reflect-metadata';
import { loadConfig } from '@stackyard/shared-config';
import { runMigrationsCommand } from '@stackyard/shared-db';
import { createSecretsDataSource, SECRETS_MIGRATION_LOCK } from './data-source';
import { secretsMigrateConfigSchema } from './secrets.config';

/** Runs the secrets schema's pending migrations and exits (the chart's pre-upgrade Job). */
runMigrationsCommand('secrets', loadConfig(secretsMigrateConfigSchema, { env: process.env }).DATABASE_URL, createSecretsDataSource, SECRETS_MIGRATION_LOCK).catch(
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
