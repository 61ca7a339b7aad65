import 'reflect-metadata';
import { z } from 'zod';
import { loadConfig } from '@stackyard/shared-config';
import { runMigrations } from '@stackyard/shared-db';
import { createApiDataSource } from './api-data-source';

/** Runs the api's pending migrations and exits (the Helm chart's pre-upgrade Job). Safe to re-run. */
async function main(): Promise<void> {
  const config = loadConfig(z.object({ DATABASE_URL: z.string().min(1) }), { env: process.env });
  const dataSource = createApiDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  const applied = await runMigrations(dataSource, 'stackyard_api_migrations');
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  await dataSource.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
