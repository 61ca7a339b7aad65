import { startSuite, type StartSuiteOptions } from '@stackyard/shared-launcher';

/**
 * Child-process entry that runs one suite: `node suite-host.js '<StartSuiteOptions JSON>'`. It
 * exists so that a test can start the whole suite under a wrapper such as `strace -f` (the
 * launcher itself has no command-prefix option). It prints `@@SUITE <HostedSuite JSON>` once every
 * service is ready and stops the suite when its stdin closes.
 */
export interface HostedSuite {
  apiUrl: string;
  caFile: string;
  adminToken: string;
  pids: Record<string, number | undefined>;
  ports: Record<string, number>;
}

export const SUITE_MARKER = '@@SUITE ';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as StartSuiteOptions;
  const suite = await startSuite({ ...options, handleSignals: false });
  const hosted: HostedSuite = {
    apiUrl: suite.apiUrl,
    caFile: suite.caFile,
    adminToken: suite.adminToken,
    pids: Object.fromEntries(Object.entries(suite.services).map(([k, s]) => [k, s.pid])),
    ports: Object.fromEntries(Object.entries(suite.services).map(([k, s]) => [k, s.port])),
  };
  process.stdout.write(`${SUITE_MARKER}${JSON.stringify(hosted)}\n`);
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', resolve));
  await suite.stop();
  process.stdout.write('@@STOPPED\n');
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
