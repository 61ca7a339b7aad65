import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

/** The rows of the workload tables, in the order they run and are shown. */
export const BACKEND_IDS = ['floor', 'file', 's3', 'embedded', 'embedded-delta', 'embedded-plain', 'mariadb-s3', 'mariadb-s3-fast-batches'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export const BACKEND_TITLES: Record<BackendId, string> = {
  floor: 'engine floor: file:// + PULUMI_SKIP_CHECKPOINTS',
  file: 'pulumi file:// backend',
  s3: 'pulumi s3:// backend (versitygw)',
  embedded: 'Stackyard embedded (shipped defaults: journaling)',
  'embedded-delta': 'Stackyard embedded, journaling off (delta)',
  'embedded-plain': 'Stackyard embedded, plain checkpoints',
  'mariadb-s3': 'Stackyard on MariaDB + S3 (versitygw), shipped defaults',
  'mariadb-s3-fast-batches': 'Stackyard on MariaDB + S3, CLI with PULUMI_JOURNALING_BATCH_PERIOD=5',
};

/**
 * The CLI sends journal entries in batches on a 50 ms ticker (or 100 entries) and every begin and
 * success entry waits for its batch to be acknowledged (pkg/backend/httpstate/journal/snapshot.go).
 * This CLI-side setting separates that ticker from the cost of each acknowledged round trip.
 */
export const FAST_BATCH_CLI_ENV = { PULUMI_JOURNALING_BATCH_PERIOD: '5' };

/** Rows that only show what an upload mode buys; their full-checkpoint costs grow fast with N. */
export const MODE_ROWS: readonly BackendId[] = ['embedded-delta', 'embedded-plain'];

/** The CLI's own backends, which rewrite the whole state after every step: O(N²) bytes. */
export const WHOLE_STATE_ROWS: readonly BackendId[] = ['file', 's3'];

/** The largest N a row runs at (the mode and whole-state rows can be capped; all others run every N). */
export function maxSizeOf(backend: BackendId, options: Pick<BenchOptions, 'modeRowsMaxSize' | 'wholeStateRowsMaxSize'>): number {
  if (MODE_ROWS.includes(backend)) return options.modeRowsMaxSize;
  if (WHOLE_STATE_ROWS.includes(backend)) return options.wholeStateRowsMaxSize ?? Number.MAX_SAFE_INTEGER;
  return Number.MAX_SAFE_INTEGER;
}

export const SERVER_FIGURES = ['journal', 'export', 'concurrent'] as const;
export type ServerFigure = (typeof SERVER_FIGURES)[number];

/** The Stackyard storage modes the server-side figures run on. */
export const STACKYARD_MODES = ['embedded', 'mariadb-s3'] as const;
export type StackyardMode = (typeof STACKYARD_MODES)[number];

export interface BenchOptions {
  sizes: number[];
  backends: BackendId[];
  /** Mode rows run only at sizes up to this. */
  modeRowsMaxSize: number;
  /** file:// and s3:// rows run only at sizes up to this (unset: every size). */
  wholeStateRowsMaxSize?: number;
  /** `--parallel` of every `pulumi up`/`destroy`. */
  parallel: number;
  payloadBytes: number;
  opTimeoutMs: number;
  server: ServerFigure[];
  journalResources: number;
  /** Resources per journal batch step (the CLI has about `parallel` steps in flight). */
  journalBatchResources: number;
  journalModes: StackyardMode[];
  exportBytes: number;
  exportRuns: number;
  exportModes: StackyardMode[];
  concurrentStacks: number;
  concurrentResources: number;
  reportOnly: boolean;
  resultsFile?: string;
}

export const USAGE = `Usage: npm run bench -- [options]

Workload (pulumi up of N resources, no-op up, destroy) on every backend:
  --sizes 100,600,2000          resource counts N
  --backends all                or none, or a list of: ${BACKEND_IDS.join(', ')}
  --mode-rows-max 600           largest N for ${MODE_ROWS.join(' and ')}
  --whole-state-max <n>         largest N for ${WHOLE_STATE_ROWS.join(' and ')} (default: every N; at
                                N=2000 each of their ops takes about an hour on 2 cores)
  --parallel <n>                --parallel of every operation (default: the CLI's own default, 4 × CPUs)
  --payload-bytes 16384         output bytes per resource
  --op-timeout-min 120          kill an operation after this long (recorded as failed)

Server-side figures on Stackyard:
  --server all                  or none, or a list of: ${SERVER_FIGURES.join(', ')}
  --journal-resources 10000     resources journaled through the raw protocol
  --journal-batch <n>           resources per journal batch step (default: --parallel)
  --journal-modes embedded,mariadb-s3
  --export-mb 50                size of the state exported (MiB)
  --export-runs 5               exports timed per encoding
  --export-modes embedded,mariadb-s3
  --concurrent-stacks 20        stacks updated at once on MariaDB + S3
  --concurrent-resources 100    resources per concurrent stack

Report:
  --report-only                 regenerate BENCHMARKS.md from the results file, run nothing
  --results <file>              results file for --report-only (default bench/results/latest.json)
`;

function list(raw: string, flag: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new Error(`${flag}: empty list`);
  return items;
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: '${raw}' is not a positive integer`);
  return n;
}

function pick<T extends string>(raw: string, flag: string, known: readonly T[], extra: Record<string, readonly T[]> = {}): T[] {
  if (raw in extra) return [...extra[raw]];
  const items = list(raw, flag);
  const unknown = items.filter((i) => !known.includes(i as T));
  if (unknown.length) throw new Error(`${flag}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  // Keep the canonical order whatever order the flag lists them in.
  return known.filter((k) => items.includes(k));
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      sizes: { type: 'string', default: '100,600,2000' },
      backends: { type: 'string', default: 'all' },
      'mode-rows-max': { type: 'string', default: '600' },
      'whole-state-max': { type: 'string' },
      parallel: { type: 'string' },
      'payload-bytes': { type: 'string', default: '16384' },
      'op-timeout-min': { type: 'string', default: '120' },
      server: { type: 'string', default: 'all' },
      'journal-resources': { type: 'string', default: '10000' },
      'journal-batch': { type: 'string' },
      'journal-modes': { type: 'string', default: 'embedded,mariadb-s3' },
      'export-mb': { type: 'string', default: '50' },
      'export-runs': { type: 'string', default: '5' },
      'export-modes': { type: 'string', default: 'embedded,mariadb-s3' },
      'concurrent-stacks': { type: 'string', default: '20' },
      'concurrent-resources': { type: 'string', default: '100' },
      'report-only': { type: 'boolean', default: false },
      results: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  // pulumi's default (operations/up.go `defaultParallel`): 4 × GOMAXPROCS, i.e. 4 × CPUs.
  const parallel = values.parallel ? positiveInt(values.parallel, '--parallel') : 4 * availableParallelism();
  const sizes = list(values.sizes, '--sizes').map((s) => positiveInt(s, '--sizes'));
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    backends: pick(values.backends, '--backends', BACKEND_IDS, { all: BACKEND_IDS, none: [] }),
    modeRowsMaxSize: positiveInt(values['mode-rows-max'], '--mode-rows-max'),
    ...(values['whole-state-max'] ? { wholeStateRowsMaxSize: positiveInt(values['whole-state-max'], '--whole-state-max') } : {}),
    parallel,
    payloadBytes: positiveInt(values['payload-bytes'], '--payload-bytes'),
    opTimeoutMs: positiveInt(values['op-timeout-min'], '--op-timeout-min') * 60_000,
    server: pick(values.server, '--server', SERVER_FIGURES, { all: SERVER_FIGURES, none: [] }),
    journalResources: positiveInt(values['journal-resources'], '--journal-resources'),
    journalBatchResources: values['journal-batch'] ? positiveInt(values['journal-batch'], '--journal-batch') : parallel,
    journalModes: pick(values['journal-modes'], '--journal-modes', STACKYARD_MODES),
    exportBytes: positiveInt(values['export-mb'], '--export-mb') * 1024 * 1024,
    exportRuns: positiveInt(values['export-runs'], '--export-runs'),
    exportModes: pick(values['export-modes'], '--export-modes', STACKYARD_MODES),
    concurrentStacks: positiveInt(values['concurrent-stacks'], '--concurrent-stacks'),
    concurrentResources: positiveInt(values['concurrent-resources'], '--concurrent-resources'),
    reportOnly: values['report-only'],
    resultsFile: values.results,
  };
}
