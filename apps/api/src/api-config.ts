import { z } from 'zod';
import { ConfigError, envBoolean, envPositiveInt, loadConfig } from '@stackyard/shared-config';
import { serviceConfigProblems, serviceConfigShape } from '@stackyard/shared-service';
import { objectStoreConfigAliases, objectStoreConfigProblems, objectStoreConfigShape } from '@stackyard/shared-storage';

const MiB = 1024 * 1024;

export const apiConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(8443),
  ...objectStoreConfigShape,
  DATABASE_URL: z.string().min(1),
  MIGRATE_ON_START: envBoolean.default(true),
  IDENTITY_URL: z.url().default('https://127.0.0.1:7443'),
  SECRETS_URL: z.url().default('https://127.0.0.1:7444'),
  /** Lease granted to an update at start and renewal (the CLI assumes 300 s). */
  LEASE_SECONDS: envPositiveInt.max(3600).default(300),
  /** How long a resolved access token is trusted before identity is asked again. */
  // At most 5: a revoked token or a changed grant must stop working within 5 s on every replica.
  PRINCIPAL_CACHE_SECONDS: z.coerce.number().int().min(0).max(5).default(5),
  /** Largest inflated request body: checkpoints and imports. */
  MAX_STATE_BYTES: envPositiveInt.default(1024 * MiB),
  /** Largest inflated body of every other (parsed JSON) request. */
  MAX_JSON_BYTES: envPositiveInt.default(64 * MiB),
  /**
   * Advertise and accept verbatim + delta checkpoints (pulumi-protocol.md §3.5). On by default: a
   * CLI that does not journal (older, or run with PULUMI_DISABLE_JOURNALING) then sends edits, not
   * whole states.
   */
  DELTA_CHECKPOINTS: envBoolean.default(true),
  /** `checkpointCutoffSizeBytes`: smaller states are always sent whole (verbatim). */
  CHECKPOINT_CUTOFF_BYTES: envPositiveInt.default(MiB),
  /**
   * Grant journaling (`journalVersion: 1`, pulumi-protocol.md §3.6) to updates that ask. On by
   * default since the upload-mode equality tests and the compatibility runs (COMPATIBILITY.md).
   */
  JOURNALING: envBoolean.default(true),
  /** Largest inflated `journalentries` body; a bigger batch is a 413, which makes the CLI halve it. */
  JOURNAL_MAX_BATCH_BYTES: envPositiveInt.default(64 * MiB),
  /**
   * Seal new checkpoints, journal batches and their markers in the object store (AES-256-GCM with
   * a per-stack key the secrets service derives from the stack's data key). Objects stored without
   * it keep being read, and sealed ones are read with it off too.
   */
  OBJECT_ENCRYPTION: envBoolean.default(true),
  /** Object-storage keys the api keeps in memory, and for how long (a rotated data key reaches new objects within it). */
  OBJECT_KEY_CACHE_SIZE: envPositiveInt.default(10_000),
  OBJECT_KEY_CACHE_TTL_SECONDS: envPositiveInt.max(3600).default(300),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;

export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const config = loadConfig(apiConfigSchema, { env, aliases: objectStoreConfigAliases });
  const problems = [...serviceConfigProblems(config, true), ...objectStoreConfigProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
