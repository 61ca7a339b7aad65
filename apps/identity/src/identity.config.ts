import { z } from 'zod';
import { ConfigError, envBoolean, envPositiveInt, loadConfig } from '@stackyard/shared-config';
import { databaseUrlProblems } from '@stackyard/shared-db';
import { isValidLogin, isValidOrganizationName, LOGIN_RULE, ORG_NAME_RULE, weakTokenReason } from '@stackyard/identity-domain';
import { internalListenerProblems, serviceConfigShape } from '@stackyard/shared-service';
import { type DirectoryEntry, parseDirectories } from './directories.config';

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
  /** Console sessions end after this long unused, and at the latest after the absolute timeout. */
  SESSION_IDLE_TIMEOUT_SECONDS: envPositiveInt.default(3600),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: envPositiveInt.default(43_200),
  /** Password sign-ins: failures per account within the lockout period before it locks for that period. */
  SIGN_IN_MAX_FAILURES: envPositiveInt.default(5),
  SIGN_IN_LOCKOUT_SECONDS: envPositiveInt.default(900),
  /** The same per source address (many accounts from one place). */
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: envPositiveInt.default(100),
  /** LDAP / Active Directory sign-in methods, as JSON (usually `STACKYARD_DIRECTORIES_FILE`); see docs/identity.md. */
  DIRECTORIES: z.string().optional(),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema> & {
  /** The parsed `DIRECTORIES`. */
  directories: DirectoryEntry[];
};

/** Problems a parsed config can show across fields. Messages never contain the token or a password. */
export function identityConfigProblems(config: z.infer<typeof identityConfigSchema>): string[] {
  const problems = [...internalListenerProblems(config), ...databaseUrlProblems(config.DATABASE_URL)];
  if (!isValidLogin(config.BOOTSTRAP_ADMIN_LOGIN)) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_LOGIN must be ${LOGIN_RULE}`);
  if (!isValidOrganizationName(config.BOOTSTRAP_ORG)) problems.push(`STACKYARD_BOOTSTRAP_ORG must be ${ORG_NAME_RULE}`);
  if (config.BOOTSTRAP_ADMIN_TOKEN !== undefined) {
    const reason = weakTokenReason(config.BOOTSTRAP_ADMIN_TOKEN);
    if (reason) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_TOKEN is too weak: it ${reason}`);
  }
  if (config.SESSION_ABSOLUTE_TIMEOUT_SECONDS < config.SESSION_IDLE_TIMEOUT_SECONDS) {
    problems.push('STACKYARD_SESSION_ABSOLUTE_TIMEOUT_SECONDS must be at least STACKYARD_SESSION_IDLE_TIMEOUT_SECONDS');
  }
  return problems;
}

export function loadIdentityConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const config = loadConfig(identityConfigSchema, { env });
  const directories = parseDirectories(config.DIRECTORIES);
  const problems = [...identityConfigProblems(config), ...directories.problems];
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, directories: directories.entries };
}
