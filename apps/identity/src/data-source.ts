import type { DataSource } from 'typeorm';
import { createDataSource } from '@stackyard/shared-db';
import { IDENTITY_ENTITIES } from '@stackyard/identity-feature-tokens';
import { CreateIdentitySchema1795678825479 } from './migrations/1795678825479-CreateIdentitySchema';
import { SignInSessionsTeams1795900000000 } from './migrations/1795900000000-SignInSessionsTeams';
import { SamlSignIn1795950000000 } from './migrations/1795950000000-SamlSignIn';
import { MachineIdentity1795960000000 } from './migrations/1795960000000-MachineIdentity';
import { OAuthSignIn1795970000000 } from './migrations/1795970000000-OAuthSignIn';
import { ScimProvisioning1795980000000 } from './migrations/1795980000000-ScimProvisioning';
import { AuditLog1796010000000 } from './migrations/1796010000000-AuditLog';
import { AccessControl1796020000000 } from './migrations/1796020000000-AccessControl';
import { LeaderLeases1796024000000 } from './migrations/1796024000000-LeaderLeases';

/** The identity schema's own migrations table and lock, so it can share a MySQL server or schema. */
export const IDENTITY_MIGRATIONS_TABLE = 'identity_migrations';
export const IDENTITY_MIGRATION_LOCK = 'stackyard_identity_migrations';

/** In order; add each new migration class here (they are listed, not globbed, so bundles work). */
export const IDENTITY_MIGRATIONS = [CreateIdentitySchema1795678825479, SignInSessionsTeams1795900000000, SamlSignIn1795950000000, MachineIdentity1795960000000, OAuthSignIn1795970000000, ScimProvisioning1795980000000, AuditLog1796010000000, AccessControl1796020000000, LeaderLeases1796024000000];

export function createIdentityDataSource(url: string): DataSource {
  return createDataSource({
    url,
    entities: IDENTITY_ENTITIES,
    migrations: IDENTITY_MIGRATIONS,
    migrationsTableName: IDENTITY_MIGRATIONS_TABLE,
  });
}
