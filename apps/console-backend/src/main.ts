import 'reflect-metadata';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@stackyard/shared-config';
import { serviceConfigProblems, serviceConfigShape, startService } from '@stackyard/shared-service';
import { AppModule } from './app.module';

const schema = z.object({ ...serviceConfigShape, PORT: serviceConfigShape.PORT.default(3443) });

async function main(): Promise<void> {
  const config = loadConfig(schema, { env: process.env });
  const problems = serviceConfigProblems(config, false);
  if (problems.length) throw new ConfigError(problems);
  await startService({ name: 'console-backend', module: AppModule, config, maxBodyBytes: 1024 * 1024 });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
