import 'reflect-metadata';
import { z } from 'zod';
import { loadConfig } from '@stackyard/shared-config';
import { runMigrationsCommand } from '@stackyard/shared-db';
import { createApiDataSource } from './api-data-source';

/** Runs the api's pending migrations and exits (the chart's pre-upgrade Job). Safe to re-run. */
runMigrationsCommand('api', loadConfig(z.object({ DATABASE_URL: z.string().min(1) }), { env: process.env }).DATABASE_URL, createApiDataSource, 'stackyard_api_migrations').catch(
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
