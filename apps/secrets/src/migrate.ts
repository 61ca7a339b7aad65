import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stackyard/shared-config';
import { runMigrations } from '@stackyard/shared-db';
import { createSecretsDataSource, SECRETS_MIGRATION_LOCK } from './data-source';
import { databaseUrlProblems, secretsMigrateConfigSchema } from './secrets.config';

/** Runs the secrets schema's pending migrations and exits (the chart's pre-upgrade Job). */
async function migrate(): Promise<void> {
  const config = loadConfig(secretsMigrateConfigSchema, { env: process.env });
  const problems = databaseUrlProblems(config.DATABASE_URL);
  if (problems.length > 0) throw new ConfigError(problems);
  const dataSource = createSecretsDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource, SECRETS_MIGRATION_LOCK);
    console.log(applied.length > 0 ? `secrets: applied migrations ${applied.join(', ')}` : 'secrets: schema is up to date');
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
