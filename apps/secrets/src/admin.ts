import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { ConfigError } from '@stackyard/shared-config';
import { KekMismatchError, KeyProviderUnavailableError } from '@stackyard/secrets-domain';
import { KeyAdminError, LocalKeyFileError } from '@stackyard/secrets-feature-keys';
import { ApiError } from '@stackyard/shared-errors';
import { parseAdminArgs, runSecretsAdmin } from './secrets-admin';
import { loadSecretsConfig } from './secrets.config';

/** The secrets admin commands (see SECRETS_ADMIN_USAGE): `node dist/apps/secrets/src/admin.js status`. */
async function main(): Promise<number> {
  const args = parseAdminArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(args);
    return 2;
  }
  const logger = new ConsoleLogger({ prefix: 'stackyard-secrets-admin', colors: false, logLevels: ['error', 'warn'] });
  const outcome = await runSecretsAdmin(args, loadSecretsConfig(process.env, { listener: false }), logger);
  console.log(outcome.output);
  return outcome.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Operator mistakes and unreachable providers get plain sentences, never key material.
    const plain = error instanceof ConfigError || error instanceof KekMismatchError || error instanceof LocalKeyFileError || error instanceof KeyAdminError || error instanceof ApiError || error instanceof KeyProviderUnavailableError;
    console.error(plain ? `secrets admin: ${error.message}` : error);
    process.exit(1);
  },
);
