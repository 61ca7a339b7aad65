import 'reflect-metadata';
import { ConfigError } from '@stackyard/shared-config';
import { loadConsoleBackendConfig } from './console-backend.config';
import { startConsoleBackend } from './start-console-backend';

async function main(): Promise<void> {
  await startConsoleBackend(loadConsoleBackendConfig(process.env));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
