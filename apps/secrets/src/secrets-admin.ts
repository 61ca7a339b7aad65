import { parseArgs } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { DataKeyService, KekCanaryRepository, KekCanaryService, KeyAdminError, KeyRotationService, StackDataKeyRepository } from '@stackyard/secrets-feature-keys';
import { isValidStackId } from '@stackyard/secrets-domain';
import { createSecretsDataSource } from './data-source';
import type { SecretsConfig } from './secrets.config';
import { createKeyRing } from './start-secrets';

export const SECRETS_ADMIN_USAGE = `Usage: node dist/apps/secrets/src/admin.js <command> [--json]
Runs against the live secrets database with the service's own settings (same STACKYARD_* environment,
including STACKYARD_PREVIOUS_* during a migration), while the service keeps running.

  status                        which KEK wraps how many data keys, and the canary
  rotate-kek                    new KEK version on the provider (Vault, GCP KMS, Azure Key Vault),
                                then re-wrap every data key and the canary with it
  rewrap [--all]                re-wrap every data key not wrapped by the active KEK (all with --all),
                                then the canary: finishes a provider migration or an outside rotation
  rotate-data-key --stack-id ID | --all
                                a new data-key version for one stack (or every stack); older values
                                keep decrypting; replicas seal with it within the data-key cache TTL`;

/** Exit codes: 0 done, 1 failed, 2 usage error, 3 done but keys remain to re-wrap (run again). */
export interface AdminOutcome {
  exitCode: number;
  /** What to print: JSON with --json, sentences otherwise. */
  output: string;
}

interface AdminArgs {
  command: string;
  all: boolean;
  stackId: string | undefined;
  json: boolean;
}

export function parseAdminArgs(argv: string[]): AdminArgs | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { all: { type: 'boolean', default: false }, 'stack-id': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  } catch (error) {
    return (error as Error).message;
  }
  const { positionals, values } = parsed;
  if (values.help || positionals.length !== 1) return SECRETS_ADMIN_USAGE;
  const command = positionals[0];
  if (!['status', 'rotate-kek', 'rewrap', 'rotate-data-key'].includes(command)) return `unknown command ${command}\n${SECRETS_ADMIN_USAGE}`;
  if (command === 'rotate-data-key' && values.all === (values['stack-id'] !== undefined)) return 'rotate-data-key needs exactly one of --stack-id ID or --all';
  if (values['stack-id'] !== undefined && !isValidStackId(values['stack-id'])) return '--stack-id must be a stack id (1–64 letters, digits, "-" or "_")';
  return { command, all: values.all, stackId: values['stack-id'], json: values.json };
}

/**
 * Opens the secrets database with the service's settings, proves the configured keys against the
 * canary (nothing is written under a wrong key), and runs one command.
 */
export async function runSecretsAdmin(args: AdminArgs, config: SecretsConfig, logger: LoggerService): Promise<AdminOutcome> {
  const ring = createKeyRing(config, logger);
  const dataSource = createSecretsDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  try {
    if (await dataSource.showMigrations()) throw new KeyAdminError('the secrets database has pending migrations; run the migrate entry (dist/apps/secrets/src/migrate.js) or start the service first');
    const canary = new KekCanaryService(new KekCanaryRepository(dataSource), ring);
    if (!(await canary.state())) throw new KeyAdminError('the secrets database has no KEK canary yet: start the secrets service once first');
    await canary.verifyOrCreate();
    const rows = new StackDataKeyRepository(dataSource);
    // The admin process holds keys only for the moment it re-wraps them.
    const dataKeys = new DataKeyService(rows, ring, { cacheMaxEntries: 1, cacheTtlMs: 1 });
    const rotation = new KeyRotationService(ring, rows, dataKeys, canary);
    switch (args.command) {
      case 'status': {
        const status = await rotation.status();
        const lines = [`active KEK: ${status.active.kekId} v${status.active.kekVersion}`, `canary: ${status.canary ? `${status.canary.kekId} v${status.canary.kekVersion}` : 'none'}`];
        for (const k of status.keys) lines.push(`${k.keys} data key(s) wrapped by ${k.kekId} v${k.kekVersion}`);
        return { exitCode: 0, output: args.json ? JSON.stringify(status) : lines.join('\n') };
      }
      case 'rotate-kek':
      case 'rewrap': {
        const report = args.command === 'rotate-kek' ? await rotation.rotateKek() : await rotation.rewrap({ all: args.all });
        const text = [
          `re-wrapped ${report.rewrapped} of ${report.examined} data key(s) with ${report.target.kekId} v${report.target.kekVersion}`,
          report.changedConcurrently ? `${report.changedConcurrently} changed concurrently (left as they are)` : '',
          report.remaining ? `${report.remaining} key(s) still wrapped by another KEK (created by a replica on the old settings?): run rewrap again` : `canary: ${report.canary}`,
        ].filter(Boolean);
        return { exitCode: report.remaining > 0 ? 3 : 0, output: args.json ? JSON.stringify(report) : text.join('\n') };
      }
      default: {
        if (args.stackId !== undefined) {
          const version = await rotation.rotateDataKey(args.stackId);
          return { exitCode: 0, output: args.json ? JSON.stringify({ stackId: args.stackId, version }) : `stack ${args.stackId} now seals with data key v${version}` };
        }
        const rotated = await rotation.rotateAllDataKeys();
        return { exitCode: 0, output: args.json ? JSON.stringify({ rotated }) : `rotated the data key of ${rotated} stack(s)` };
      }
    }
  } finally {
    await dataSource.destroy();
  }
}
