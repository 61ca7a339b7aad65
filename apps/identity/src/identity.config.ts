import { z } from 'zod';
import { ConfigError, envBoolean, loadConfig } from '@stackyard/shared-config';
import { databaseKind } from '@stackyard/shared-db';
import { isValidLogin, isValidOrganizationName, LOGIN_RULE, ORG_NAME_RULE, weakTokenReason } from '@stackyard/identity-domain';
import { type ServiceConfig, serviceConfigShape } from '@stackyard/shared-service';

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

/** identity is reachable only over mutual TLS, so its listener needs a certificate, key and the CA. */
export function internalListenerProblems(config: ServiceConfig): string[] {
  const problems: string[] = [];
  if (config.INSECURE_HTTP) problems.push('STACKYARD_INSECURE_HTTP is not supported: internal services accept only mutual TLS');
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) problems.push('STACKYARD_TLS_CERT_FILE and STACKYARD_TLS_KEY_FILE are required');
  if (!config.INTERNAL_CA_FILE) problems.push('STACKYARD_INTERNAL_CA_FILE is required to verify the certificates of calling services');
  return problems;
}

export function databaseUrlProblems(url: string): string[] {
  try {
    databaseKind(url);
    return [];
  } catch (error) {
    return [`STACKYARD_DATABASE_URL: ${(error as Error).message}`];
  }
}

export function loadIdentityConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const config = loadConfig(identityConfigSchema, { env });
  const problems = identityConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
