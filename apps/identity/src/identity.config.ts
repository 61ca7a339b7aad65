import { z } from 'zod';
import { ConfigError, envBoolean, loadConfig } from '@stackyard/shared-config';
import { databaseUrlProblems } from '@stackyard/shared-db';
import { isValidLogin, isValidOrganizationName, LOGIN_RULE, ORG_NAME_RULE, weakTokenReason } from '@stackyard/identity-domain';
import { internalListenerProblems, serviceConfigShape } from '@stackyard/shared-service';

const databaseUrl = z.string({ error: 'is required (sqlite:/path/identity.db or mysql://user:password@host:3306/identity)' });

/** Only what the migration Job needs: it must not require TLS files or the bootstrap token. */
export const identityMigrateConfigSchema = z.object({ DATABASE_URL: databaseUrl });

export const identityConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(7443),
  DATABASE_URL: databaseUrl,
  /** Run pending migrations at start; the chart turns this off and runs `migrate.js` as a Job. */
  MIGRATE_ON_START: envBoolean.default(true),
  /** The first site admin's token (≥128 bits of entropy); usually `STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE`. */
  BOOTSTRAP_ADMIN_TOKEN: z.string().optional(),
  BOOTSTRAP_ADMIN_LOGIN: z.string().default('admin'),
  BOOTSTRAP_ORG: z.string().default('stackyard'),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema>;

/** Problems a parsed config can show across fields. Messages never contain the token. */
export function identityConfigProblems(config: IdentityConfig): string[] {
  const problems = [...internalListenerProblems(config), ...databaseUrlProblems(config.DATABASE_URL)];
  if (!isValidLogin(config.BOOTSTRAP_ADMIN_LOGIN)) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_LOGIN must be ${LOGIN_RULE}`);
  if (!isValidOrganizationName(config.BOOTSTRAP_ORG)) problems.push(`STACKYARD_BOOTSTRAP_ORG must be ${ORG_NAME_RULE}`);
  if (config.BOOTSTRAP_ADMIN_TOKEN !== undefined) {
    const reason = weakTokenReason(config.BOOTSTRAP_ADMIN_TOKEN);
    if (reason) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_TOKEN is too weak: it ${reason}`);
  }
  return problems;
}


export function loadIdentityConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const config = loadConfig(identityConfigSchema, { env });
  const problems = identityConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
