import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureAdminToken, startSuite, type Suite } from '@stackyard/shared-launcher';
import { loginSteps, startSettings, type StartSettings } from './start-settings';

/** Resolves to an error message when `port` cannot be bound on loopback. */
function portProblem(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${error.code ?? error.message})`));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
}

function fail(message: string): never {
  process.stderr.write(`\nstackyard: ${message}\n`);
  process.exit(1);
}

/**
 * `npm start`: the embedded suite (SQLite, disk objects, generated CA and local key under one data
 * directory) in the foreground, until Ctrl-C.
 */
async function main(): Promise<void> {
  let settings: StartSettings;
  try {
    settings = startSettings(process.env, process.cwd());
  } catch (error) {
    fail((error as Error).message);
  }
  // A port taken by another program would otherwise surface as a service's stack trace.
  const names: Record<keyof typeof settings.ports, string> = {
    api: 'STACKYARD_PORT',
    consoleBackend: 'STACKYARD_CONSOLE_PORT',
    identity: 'STACKYARD_IDENTITY_PORT',
    secrets: 'STACKYARD_SECRETS_PORT',
  };
  const busy: string[] = [];
  for (const [key, port] of Object.entries(settings.ports) as Array<[keyof typeof names, number]>) {
    const problem = await portProblem(port);
    if (problem) busy.push(`port ${port} (${key}) ${problem}; choose another with ${names[key]}=<port>`);
  }
  if (busy.length) fail(`cannot start:\n${busy.map((b) => `  - ${b}`).join('\n')}`);

  const tokenFile = join(settings.dataDir, 'admin-token');
  let created: boolean;
  try {
    ({ created } = ensureAdminToken(tokenFile));
  } catch (error) {
    fail((error as Error).message);
  }
  process.stdout.write(`Starting Stackyard (embedded mode) with data in ${settings.dataDir} …\n`);

  let suite: Suite | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number, why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write(`\n${why}; stopping Stackyard …\n`);
    await suite?.stop().catch((error: unknown) => process.stderr.write(`stackyard: error while stopping: ${(error as Error).message}\n`));
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal === 'SIGINT' ? 0 : 128 + 15, `received ${signal}`));
  }

  try {
    suite = await startSuite({
      dataDir: settings.dataDir,
      ports: settings.ports,
      publicHosts: settings.publicHosts,
      logToStdout: settings.logToStdout,
      logFormat: 'text',
      handleSignals: false,
      onUnexpectedExit: (service, code, signal) => {
        // Ctrl-C in a terminal signals the whole process group: the services may exit before
        // suite.stop() reaches them, which is part of stopping, not a failure.
        if (shuttingDown) return;
        process.stderr.write(
          `\nstackyard: the ${service} service stopped unexpectedly (${signal ?? `exit code ${code}`}); see ${join(settings.dataDir, 'logs', `${service}.log`)}\n`,
        );
        void shutdown(1, 'a service failed');
      },
    });
  } catch (error) {
    fail(`a service failed to start:\n${(error as Error).message}`);
  }
  if (shuttingDown) return;

  const rows: Array<[string, string]> = [
    ['api (the pulumi CLI logs in here)', suite.apiUrl],
    ['console backend', suite.consoleUrl],
    ['CA certificate', suite.caFile],
    [`admin token (${created ? 'generated now' : 'kept from before'})`, `${tokenFile}  (login "${suite.adminLogin}", organization "${suite.org}")`],
    ['logs', join(settings.dataDir, 'logs')],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    '',
    'Stackyard is running.',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    'Log the pulumi CLI in with:',
    '',
    ...loginSteps(suite.caFile, tokenFile, suite.apiUrl).map((l) => `  ${l}`),
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

void main();
