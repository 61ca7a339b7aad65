import { z } from 'zod';
import { ConfigError, envBoolean, envPort, envPositiveInt, loadConfig } from '@stackyard/shared-config';
import { databaseUrlProblems } from '@stackyard/shared-db';
import { internalListenerProblems, serviceConfigShape } from '@stackyard/shared-service';

export const KEY_PROVIDERS = ['local', 'vault', 'aws-kms', 'azure-keyvault', 'gcp-kms'] as const;
const httpUrl = z.string().regex(/^https?:\/\/[^/\s]+/, { error: 'must be an http(s):// URL' });

const databaseUrl = z.string({ error: 'is required (sqlite:/path/secrets.db or mysql://user:password@host:3306/secrets)' });

/**
 * Pulumi self-hosted's `PULUMI_LOCAL_KEYS` names the file (or folder) holding its 32-byte local
 * key, which is exactly our local key file, so an existing install's setting carries over.
 */
export const SECRETS_CONFIG_ALIASES = { PULUMI_LOCAL_KEYS: 'LOCAL_KEY_FILE' };

/** Only what the migration Job needs: it must not require TLS files or the key. */
export const secretsMigrateConfigSchema = z.object({ DATABASE_URL: databaseUrl });

/** Everything that selects and reaches a key provider; also read with the PREVIOUS_ prefix. */
const keyProviderShape = {
  /** Where the key-encryption key lives (see libs/secrets/key-providers). */
  KEY_PROVIDER: z.enum(KEY_PROVIDERS, { error: `must be one of ${KEY_PROVIDERS.join(', ')}` }).default('local'),
  /** The local KEK file (or a directory holding exactly one); alias `PULUMI_LOCAL_KEYS`. */
  LOCAL_KEY_FILE: z.string().optional(),
  /** Create the local KEK file on first start when it is missing (embedded mode). */
  GENERATE_LOCAL_KEY: envBoolean.default(false),
  // --- vault: Vault / OpenBao Transit
  VAULT_ADDR: httpUrl.optional(),
  VAULT_TRANSIT_MOUNT: z.string().default('transit'),
  VAULT_TRANSIT_KEY: z.string().optional(),
  VAULT_AUTH: z.enum(['token', 'kubernetes'], { error: 'must be token or kubernetes' }).default('token'),
  VAULT_TOKEN: z.string().optional(),
  VAULT_KUBERNETES_ROLE: z.string().optional(),
  VAULT_KUBERNETES_MOUNT: z.string().default('kubernetes'),
  /** Read again at every login: the kubelet rotates projected service-account tokens. */
  VAULT_KUBERNETES_TOKEN_PATH: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
  VAULT_NAMESPACE: z.string().optional(),
  VAULT_CA_FILE: z.string().optional(),
  // --- aws-kms: explicit endpoint and credentials (no SDK credential chain, no instance metadata)
  AWS_KMS_ENDPOINT: httpUrl.optional(),
  AWS_KMS_REGION: z.string().optional(),
  AWS_KMS_KEY_ID: z.string().optional(),
  AWS_KMS_ACCESS_KEY_ID: z.string().optional(),
  AWS_KMS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_KMS_SESSION_TOKEN: z.string().optional(),
  // --- azure-keyvault
  AZURE_KEYVAULT_URL: httpUrl.optional(),
  AZURE_KEYVAULT_KEY_NAME: z.string().optional(),
  /** A file holding a bearer token for Key Vault, read again whenever one is needed (kept fresh by an agent). */
  AZURE_KEYVAULT_ACCESS_TOKEN_PATH: z.string().optional(),
  AZURE_KEYVAULT_CA_FILE: z.string().optional(),
  // --- gcp-kms
  GCP_KMS_CRYPTO_KEY: z.string().optional(),
  GCP_KMS_ENDPOINT: z.string().default('cloudkms.googleapis.com'),
  GCP_KMS_PORT: envPort.default(443),
  /** A service-account key (JSON); required unless GCP_KMS_INSECURE_PLAINTEXT (loopback emulators only). */
  GCP_KMS_CREDENTIALS_FILE: z.string().optional(),
  GCP_KMS_INSECURE_PLAINTEXT: envBoolean.default(false),
  GCP_KMS_CA_FILE: z.string().optional(),
};

export const keyProviderConfigSchema = z.object(keyProviderShape);
export type KeyProviderConfig = z.infer<typeof keyProviderConfigSchema>;

const CIPHER_WORKERS_RANGE = 'must be a whole number from 0 to 16';

export const secretsConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(7444),
  DATABASE_URL: databaseUrl,
  /** Run pending migrations at start; the chart turns this off and runs `migrate.js` as a Job. */
  MIGRATE_ON_START: envBoolean.default(true),
  ...keyProviderShape,
  DATA_KEY_CACHE_SIZE: envPositiveInt.default(10_000),
  DATA_KEY_CACHE_TTL_SECONDS: envPositiveInt.default(600),
  /** Threads that open and seal parts of large batches (0: the main thread only); unset: cores − 1, at most 3. */
  CIPHER_WORKERS: z.coerce
    .number({ error: CIPHER_WORKERS_RANGE })
    .int({ error: CIPHER_WORKERS_RANGE })
    .min(0, { error: CIPHER_WORKERS_RANGE })
    .max(16, { error: CIPHER_WORKERS_RANGE })
    .optional(),
});

export type SecretsConfig = z.infer<typeof secretsConfigSchema> & {
  /**
   * A provider that only unwraps, set with the same variables prefixed `STACKYARD_PREVIOUS_`
   * (e.g. `STACKYARD_PREVIOUS_KEY_PROVIDER=local`, `STACKYARD_PREVIOUS_LOCAL_KEY_FILE=…`): the one
   * a KEK rotation or provider migration moves away from, until `rewrap` has moved every key.
   */
  previousKeyProvider?: KeyProviderConfig;
};

export function secretsConfigProblems(config: SecretsConfig, options: { listener: boolean } = { listener: true }): string[] {
  return [...(options.listener ? internalListenerProblems(config) : []), ...databaseUrlProblems(config.DATABASE_URL), ...keyProviderProblems(config)];
}

/** Cross-field rules of one provider's settings; `prefix` names the variables in messages. */
export function keyProviderProblems(config: KeyProviderConfig, prefix = 'STACKYARD_'): string[] {
  const problems: string[] = [];
  const need = (keys: Array<keyof KeyProviderConfig>): void => {
    for (const key of keys) if (config[key] === undefined) problems.push(`${prefix}${key} is required with ${prefix}KEY_PROVIDER=${config.KEY_PROVIDER}`);
  };
  switch (config.KEY_PROVIDER) {
    case 'local':
      if (!config.LOCAL_KEY_FILE) problems.push(prefix === 'STACKYARD_' ? 'STACKYARD_LOCAL_KEY_FILE (or PULUMI_LOCAL_KEYS) is required with the local key provider' : `${prefix}LOCAL_KEY_FILE is required with the local key provider`);
      break;
    case 'vault':
      need(['VAULT_ADDR', 'VAULT_TRANSIT_KEY']);
      if (config.VAULT_AUTH === 'token') need(['VAULT_TOKEN']);
      else need(['VAULT_KUBERNETES_ROLE']);
      break;
    case 'aws-kms':
      need(['AWS_KMS_ENDPOINT', 'AWS_KMS_REGION', 'AWS_KMS_KEY_ID', 'AWS_KMS_ACCESS_KEY_ID', 'AWS_KMS_SECRET_ACCESS_KEY']);
      break;
    case 'azure-keyvault':
      need(['AZURE_KEYVAULT_URL', 'AZURE_KEYVAULT_KEY_NAME', 'AZURE_KEYVAULT_ACCESS_TOKEN_PATH']);
      if (config.AZURE_KEYVAULT_URL?.startsWith('http:')) problems.push(`${prefix}AZURE_KEYVAULT_URL must be https`);
      break;
    case 'gcp-kms':
      need(['GCP_KMS_CRYPTO_KEY']);
      if (config.GCP_KMS_CRYPTO_KEY && !/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(config.GCP_KMS_CRYPTO_KEY)) {
        problems.push(`${prefix}GCP_KMS_CRYPTO_KEY must look like projects/P/locations/L/keyRings/R/cryptoKeys/K`);
      }
      if (config.GCP_KMS_INSECURE_PLAINTEXT && !/^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/.test(config.GCP_KMS_ENDPOINT)) {
        problems.push(`${prefix}GCP_KMS_INSECURE_PLAINTEXT is only allowed with a loopback ${prefix}GCP_KMS_ENDPOINT (an emulator)`);
      }
      if (!config.GCP_KMS_INSECURE_PLAINTEXT) need(['GCP_KMS_CREDENTIALS_FILE']);
      break;
  }
  return problems;
}


/**
 * The service's settings. `listener: false` is for the admin commands, which share the service's
 * environment (database, providers) but listen on nothing, so they need no TLS files.
 */
export function loadSecretsConfig(env: NodeJS.ProcessEnv, options: { listener: boolean } = { listener: true }): SecretsConfig {
  const config: SecretsConfig = loadConfig(secretsConfigSchema, { env, aliases: SECRETS_CONFIG_ALIASES });
  const problems = secretsConfigProblems(config, options);
  const previous = loadPreviousKeyProviderConfig(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  if (previous) config.previousKeyProvider = previous;
  return config;
}

const PREVIOUS_PREFIX = 'STACKYARD_PREVIOUS_';

/** The unwrap-only provider from `STACKYARD_PREVIOUS_*`, or undefined when none is set. */
function loadPreviousKeyProviderConfig(env: NodeJS.ProcessEnv, problems: string[]): KeyProviderConfig | undefined {
  if (!env[`${PREVIOUS_PREFIX}KEY_PROVIDER`] && !env[`${PREVIOUS_PREFIX}KEY_PROVIDER_FILE`]) return undefined;
  const unprefixed: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith(PREVIOUS_PREFIX)) unprefixed[`STACKYARD_${name.slice(PREVIOUS_PREFIX.length)}`] = value;
  let previous: KeyProviderConfig;
  try {
    // No aliases and never generated: the key being moved away from must already exist.
    previous = { ...loadConfig(keyProviderConfigSchema, { env: unprefixed }), GENERATE_LOCAL_KEY: false };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => p.replaceAll('STACKYARD_', PREVIOUS_PREFIX)));
    return undefined;
  }
  problems.push(...keyProviderProblems(previous, PREVIOUS_PREFIX));
  return previous;
}
