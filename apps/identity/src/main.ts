import 'reflect-metadata';
import { ConfigError } from '@stackyard/shared-config';
import { BootstrapError } from '@stackyard/identity-feature-tokens';
import { loadIdentityConfig } from './identity.config';
import { startIdentity } from './start-identity';

async function main(): Promise<void> {
  await startIdentity(loadIdentityConfig(process.env));
}

main().catch((error: unknown) => {
  // Operator mistakes (configuration, a bootstrap that cannot apply) get plain sentences, not a stack.
  const plain = error instanceof ConfigError || error instanceof BootstrapError;
  console.error(plain ? `identity cannot start: ${(error).message}` : error);
  process.exit(1);
});
