import 'reflect-metadata';
import { ConfigError } from '@stackyard/shared-config';
import { KekMismatchError } from '@stackyard/secrets-domain';
import { LocalKeyFileError } from '@stackyard/secrets-feature-keys';
import { loadSecretsConfig } from './secrets.config';
import { startSecrets } from './start-secrets';

async function main(): Promise<void> {
  await startSecrets(loadSecretsConfig(process.env));
}

main().catch((error: unknown) => {
  // Operator mistakes (configuration, wrong or missing key file) get plain sentences, not a stack.
  const plain = error instanceof ConfigError || error instanceof KekMismatchError || error instanceof LocalKeyFileError;
  console.error(plain ? `secrets cannot start: ${(error).message}` : error);
  process.exit(1);
});
