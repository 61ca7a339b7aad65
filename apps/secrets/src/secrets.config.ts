import { z } from 'zod';
import { ConfigError, envBoolean, envPositiveInt, loadConfig } from '@stackyard/shared-config';
import { databaseUrlProblems } from '@stackyard/shared-db';
import { internalListenerProblems, serviceConfigShape } from '@stackyard/shared-service';

const databaseUrl = z.string({ error: 'is required (sqlite:/path/secrets.db or mysql://user:password@host:3306/secrets)' });

/**
 * Pulumi self-hosted's `PULUMI_LOCAL_KEYS` names the file (or folder) holding its 32-byte local
 * key, which is exactly our local key file, so an existing install's setting carries over.
 */
export const SECRETS_CONFIG_ALIASES = { PULUMI_LOCAL_KEYS: 'LOCAL_KEY_FILE' };

/** Only what the migration Job needs: it must not require TLS files or the key. */
export const secretsMigrateConfigSchema = z.object({ DATABASE_URL: databaseUrl });

export const secretsConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(7444),
  DATABASE_URL: databaseUrl,
  /** Run pending migrations at start; the chart turns this off and runs `migrate.js` as a Job. */
  MIGRATE_ON_START: envBoolean.default(true),
  /** Where key-encryption keys live. Only `local` so far; Vault and KMS providers come later. */
  KEY_PROVIDER: z.enum(['local']).default('local'),
  /** The local KEK file (or a directory holding exactly one); alias `PULUMI_LOCAL_KEYS`. */
  LOCAL_KEY_FILE: z.string().optional(),
  /** Create the local KEK file on first start when it is missing (embedded mode). */
  GENERATE_LOCAL_KEY: envBoolean.default(false),
  DATA_KEY_CACHE_SIZE: envPositiveInt.default(10_000),
  DATA_KEY_CACHE_TTL_SECONDS: envPositiveInt.default(600),
});

export type SecretsConfig = z.infer<typeof secretsConfigSchema>;

export function secretsConfigProblems(config: SecretsConfig): string[] {
  const problems = [...internalListenerProblems(config), ...databaseUrlProblems(config.DATABASE_URL)];
  if (config.KEY_PROVIDER === 'local' && !config.LOCAL_KEY_FILE) {
    problems.push('STACKYARD_LOCAL_KEY_FILE (or PULUMI_LOCAL_KEYS) is required with the local key provider');
  }
  return problems;
}


export function loadSecretsConfig(env: NodeJS.ProcessEnv): SecretsConfig {
  const config = loadConfig(secretsConfigSchema, { env, aliases: SECRETS_CONFIG_ALIASES });
  const problems = secretsConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
