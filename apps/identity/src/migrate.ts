import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stackyard/shared-config';
import { runMigrations } from '@stackyard/shared-db';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { databaseUrlProblems, identityMigrateConfigSchema } from './identity.config';

/** Runs the identity schema's pending migrations and exits (the chart's pre-upgrade Job). */
async function migrate(): Promise<void> {
  const config = loadConfig(identityMigrateConfigSchema, { env: process.env });
  const problems = databaseUrlProblems(config.DATABASE_URL);
  if (problems.length > 0) throw new ConfigError(problems);
  const dataSource = createIdentityDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource, IDENTITY_MIGRATION_LOCK);
    console.log(applied.length > 0 ? `identity: applied migrations ${applied.join(', ')}` : 'identity: schema is up to date');
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
