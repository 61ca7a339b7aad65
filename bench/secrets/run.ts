import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { errorText, progress } from '../log';
import { machineInfo } from '../machine';
import { writeReport } from '../report';
import { LATEST_RESULTS, readResults, REPORT_FILE } from '../results';
import { measureProvider } from './measure';
import { parseSecretsOptions, SECRETS_USAGE } from './options';
import { startKeyProviderServer } from './providers';
import { emptyFigure, SECRETS_RESULTS_SCHEMA, type SecretsBenchResults, SecretsResultsRecorder } from './results';
import { secretValues } from './values';

/**
 * `npm run bench:secrets`: the CLI's batch-encrypt and batch-decrypt through the api with each
 * key provider, cold and warm (see options.ts and bench/README.md).
 */

function commandLine(argv: string[]): string {
  const quoted = argv.map((a) => (/^[\w.,=/:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['npm run bench:secrets', ...(quoted.length ? ['--', ...quoted] : [])].join(' ');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseSecretsOptions(argv);
  if (options === 'help') {
    process.stdout.write(SECRETS_USAGE);
    return;
  }
  const values = secretValues(options.values);
  const { pulumi: _pulumi, mariadb: _mariadb, versitygw: _versitygw, ...machine } = await machineInfo('not used');
  const results: SecretsBenchResults = {
    schema: SECRETS_RESULTS_SCHEMA,
    startedAt: new Date().toISOString(),
    command: commandLine(argv),
    options,
    machine,
    values: values.summary,
    providers: [],
  };
  const recorder = new SecretsResultsRecorder(results);
  recorder.save();
  progress(`results: ${recorder.file}`);
  progress(`${options.values} values (${values.summary.totalBytes} bytes), ${options.runs} warm runs after ${options.warmups} warm-ups, ${options.coldRuns} cold runs; providers ${options.providers.join(', ')}`);

  for (const id of options.providers) {
    const figure = emptyFigure(id);
    results.providers.push(figure);
    try {
      progress(`${id}: starting the key provider and a suite…`);
      const server = await startKeyProviderServer(id);
      figure.setup = server.setup;
      try {
        await measureProvider(server, options, values, figure);
      } finally {
        await server.stop().catch((error: unknown) => progress(`${id}: stopping the provider: ${errorText(error)}`));
      }
    } catch (error) {
      figure.error = errorText(error);
      progress(`${id}: FAILED: ${figure.error}`);
    }
    recorder.save();
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAtEnd = Math.round(loadavg()[0] * 100) / 100;
  recorder.save();

  // BENCHMARKS.md is rendered from both results files; the main one's sections come out unchanged.
  if (existsSync(LATEST_RESULTS)) {
    writeReport(readResults(LATEST_RESULTS));
    progress(`wrote ${REPORT_FILE}`);
  }
  const failed = results.providers.filter((p) => p.error);
  // A provider that could not be measured fails the run: the report must not quietly lack it.
  if (failed.length) {
    process.stderr.write(`bench:secrets: FAILED, not measured: ${failed.map((p) => `${p.provider}: ${(p.error ?? '').split('\n')[0]}`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:secrets: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
