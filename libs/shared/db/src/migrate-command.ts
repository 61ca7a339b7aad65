import type { DataSource } from 'typeorm';
import { databaseKind, mysqlTlsProblems, runMigrations } from './data-source';

export function databaseUrlProblems(url: string): string[] {
  try {
    databaseKind(url);
    return mysqlTlsProblems(url);
  } catch (error) {
    return [`STACKYARD_DATABASE_URL: ${(error as Error).message}`];
  }
}

/**
 * The body of each service's `migrate.js` (the chart's pre-upgrade Job): apply pending migrations
 * under the service's migration lock, say what happened, exit. Safe to re-run.
 */
export async function runMigrationsCommand(service: string, url: string, create: (url: string) => DataSource, lockName: string): Promise<void> {
  const problems = databaseUrlProblems(url);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const dataSource = create(url);
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource, lockName);
    console.log(applied.length > 0 ? `${service}: applied migrations ${applied.join(', ')}` : `${service}: schema is up to date`);
  } finally {
    await dataSource.destroy();
  }
}
