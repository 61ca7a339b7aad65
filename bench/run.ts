import { PulumiCli, tempDir } from '@stackyard/testing';
import type { Suite } from '@stackyard/shared-launcher';
import { loadavg } from 'node:os';
import { journalBatchesApplied, SharedPeers, startStackyard, startWorkloadBackend, type WorkloadBackend } from './backends';
import { errorText, progress } from './log';
import { machineInfo } from './machine';
import { BACKEND_TITLES, type BenchOptions, maxSizeOf, parseOptions, type StackyardMode, USAGE } from './options';
import { type BenchResults, LATEST_RESULTS, readResults, REPORT_FILE, ResultsRecorder } from './results';
import { writeReport } from './report';
import { measureConcurrentUpdates } from './server/concurrent-updates';
import { measureExport } from './server/export-latency';
import { measureJournalLatency } from './server/journal-latency';
import { runWorkloadCell } from './workload';

/**
 * `npm run bench`: the workload on every backend, then the server-side figures, in one run;
 * results saved after every measurement, BENCHMARKS.md written at the end (see options.ts).
 */

function lastSize(id: WorkloadBackend['id'], options: BenchOptions): number {
  const sizes = options.sizes.filter((n) => n <= maxSizeOf(id, options));
  return sizes.length ? Math.max(...sizes) : 0;
}

async function runWorkload(options: BenchOptions, binary: string, peers: SharedPeers, recorder: ResultsRecorder): Promise<void> {
  const { results } = recorder;
  const running: WorkloadBackend[] = [];
  for (const id of options.backends) {
    if (lastSize(id, options) === 0) continue;
    progress(`starting backend ${id}…`);
    try {
      const backend = await startWorkloadBackend(id, binary, peers);
      running.push(backend);
      results.backends.push({ id, title: BACKEND_TITLES[id], ok: true, notes: backend.notes });
    } catch (error) {
      results.backends.push({ id, title: BACKEND_TITLES[id], ok: false, error: errorText(error), notes: [] });
      for (const size of options.sizes) if (size <= lastSize(id, options)) recorder.cell(id, size).error = `backend did not start: ${errorText(error).split('\n')[0]}`;
      progress(`backend ${id} did not start: ${errorText(error).split('\n')[0]}`);
    }
    recorder.save();
  }
  const stopBackend = async (backend: WorkloadBackend) => {
    const record = results.backends.find((b) => b.id === backend.id);
    if (record && backend.suite) record.journalBatchesApplied = journalBatchesApplied(backend.suite);
    await backend.stop().catch((error: unknown) => progress(`stopping ${backend.id}: ${errorText(error)}`));
    running.splice(running.indexOf(backend), 1);
    recorder.save();
  };
  try {
    for (const size of options.sizes) {
      for (const backend of [...running]) {
        if (size <= lastSize(backend.id, options)) await runWorkloadCell(backend, size, options, recorder);
      }
      // A row with no larger sizes to come frees its servers now.
      for (const backend of [...running]) if (lastSize(backend.id, options) <= size) await stopBackend(backend);
    }
  } finally {
    for (const backend of [...running]) await stopBackend(backend);
  }
}

/** Each server-side figure gets fresh suites, so memory and data left by the others do not count. */
async function withSuite<T>(mode: StackyardMode, peers: SharedPeers, fn: (suite: Suite) => Promise<T>, onError: (message: string) => T): Promise<T> {
  let suite: Suite;
  try {
    suite = await startStackyard(mode, peers);
  } catch (error) {
    return onError(`the suite did not start: ${errorText(error)}`);
  }
  try {
    return await fn(suite);
  } finally {
    await suite.stop().catch(() => undefined);
  }
}

async function runServerFigures(options: BenchOptions, binary: string, peers: SharedPeers, recorder: ResultsRecorder): Promise<void> {
  const { server } = recorder.results;
  if (options.server.includes('journal')) {
    for (const mode of options.journalModes) {
      progress(`journal ${mode}: ${options.journalResources} resources…`);
      const figure = await withSuite(mode, peers, (suite) => measureJournalLatency(mode, suite, options), (error) => ({
        mode,
        resources: options.journalResources,
        batchResources: options.journalBatchResources,
        batches: 0,
        entries: 0,
        avgBatchBytes: 0,
        avgBatchGzipBytes: 0,
        sliceResources: 0,
        error,
      }));
      server.journal.push(figure);
      recorder.save();
      progress(`journal ${mode}: ${figure.error ? `FAILED: ${figure.error.split('\n')[0]}` : `p50 ${figure.p50Ms?.toFixed(1)} ms, p99 ${figure.p99Ms?.toFixed(1)} ms over ${figure.batches} batches`}`);
    }
  }
  if (options.server.includes('export')) {
    for (const mode of options.exportModes) {
      progress(`export ${mode}: ${(options.exportBytes / 1024 / 1024).toFixed(0)} MiB state…`);
      const figure = await withSuite(mode, peers, (suite) => measureExport(mode, suite, options), (error) => ({
        mode,
        stateBytes: options.exportBytes,
        resources: 0,
        gzip: { runsMs: [] },
        plain: { runsMs: [] },
        error,
      }));
      server.export.push(figure);
      recorder.save();
      progress(`export ${mode}: ${figure.error ? `FAILED: ${figure.error.split('\n')[0]}` : `gzip median ${figure.gzip.medianMs} ms, plain median ${figure.plain.medianMs} ms, api peak ${figure.apiPeakRssMiB} MiB`}`);
    }
  }
  if (options.server.includes('concurrent')) {
    const mode: StackyardMode = 'mariadb-s3';
    progress(`concurrent ${mode}: ${options.concurrentStacks} stacks × ${options.concurrentResources} resources…`);
    server.concurrent = await withSuite(mode, peers, (suite) => measureConcurrentUpdates(mode, suite, binary, options), (error) => ({
      mode,
      stacks: options.concurrentStacks,
      resources: options.concurrentResources,
      aloneMs: [],
      concurrentMs: [],
      failures: 0,
      errors: [],
      error,
    }));
    recorder.save();
  }
}

function commandLine(argv: string[]): string {
  const quoted = argv.map((a) => (/^[\w.,=/:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return ['npm run bench', ...(quoted.length ? ['--', ...quoted] : [])].join(' ');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (options.reportOnly) {
    const file = options.resultsFile ?? LATEST_RESULTS;
    writeReport(readResults(file));
    progress(`wrote ${REPORT_FILE} from ${file}`);
    return;
  }

  const binary = await PulumiCli.binaryPath();
  const probe = new PulumiCli({ binary, caFile: '', accessToken: '', cwd: tempDir('stackyard-bench-probe') });
  const version = (await probe.ok(['version'])).stdout.trim();
  const results: BenchResults = {
    schema: 1,
    startedAt: new Date().toISOString(),
    command: commandLine(argv),
    options,
    machine: await machineInfo(version),
    backends: [],
    workload: [],
    stateBytes: {},
    server: { journal: [], export: [] },
  };
  const recorder = new ResultsRecorder(results);
  recorder.save();
  progress(`results: ${recorder.file}`);
  progress(`sizes ${options.sizes.join(', ')}; backends ${options.backends.join(', ') || 'none'}; server figures ${options.server.join(', ') || 'none'}; --parallel ${options.parallel}`);

  const peers = new SharedPeers();
  try {
    await runWorkload(options, binary, peers, recorder);
    await runServerFigures(options, binary, peers, recorder);
  } finally {
    await peers.stop();
    results.finishedAt = new Date().toISOString();
    results.machine.loadAtEnd = Math.round(loadavg()[0] * 100) / 100;
    recorder.save();
    writeReport(results);
    progress(`wrote ${REPORT_FILE}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
