import { createDataSource } from '@stackyard/shared-db';
import { STACKS_ENTITIES } from '@stackyard/stacks-data-access';
import { CreateStacksSchema1795660800000 } from './migrations/1795660800000-CreateStacksSchema';

/** The api's migrations, oldest first. Shipped migrations are never edited; add a new one. */
export const API_MIGRATIONS = [CreateStacksSchema1795660800000];

export function createApiDataSource(url: string) {
  return createDataSource({ url, entities: STACKS_ENTITIES, migrations: API_MIGRATIONS, migrationsTableName: 'api_migrations' });
}
