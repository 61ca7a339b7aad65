import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@stackyard/testing';
import type { MachineInfo } from './machine';
import type { BackendId, BenchOptions, StackyardMode } from './options';

export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const LATEST_RESULTS = join(RESULTS_DIR, 'latest.json');
export const REPORT_FILE = join(REPO_ROOT, 'BENCHMARKS.md');

export type WorkloadOp = 'up' | 'noop' | 'destroy';
export const WORKLOAD_OPS: readonly WorkloadOp[] = ['up', 'noop', 'destroy'];

export interface OpMeasurement {
  ok: boolean;
  /** Wall clock of the `pulumi up`/`destroy` process. */
  ms?: number;
  /** The Automation API call around it (adds `stack output` and `stack history`). */
  automationMs?: number;
  changes?: Record<string, number>;
  error?: string;
}

export interface WorkloadCell {
  backend: BackendId;
  size: number;
  ops: Partial<Record<WorkloadOp, OpMeasurement>>;
  /** Set when the cell could not run at all (stack init failed, backend down). */
  error?: string;
}

export interface BackendRecord {
  id: BackendId;
  title: string;
  ok: boolean;
  error?: string;
  /** How the backend was set up (URL form, environment), for the report. */
  notes: string[];
  /** Stackyard: `journal entries applied` lines in the api log, proof of the upload mode. */
  journalBatchesApplied?: number;
}

export interface JournalFigure {
  mode: StackyardMode;
  resources: number;
  batchResources: number;
  batches: number;
  entries: number;
  avgBatchBytes: number;
  avgBatchGzipBytes: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  /** Resources in each of the first and last slices (a tenth of N). */
  sliceResources: number;
  firstSliceP50Ms?: number;
  lastSliceP50Ms?: number;
  completeMs?: number;
  totalMs?: number;
  finalStateBytes?: number;
  apiPeakRssMiB?: number;
  error?: string;
}

export interface ExportTimings {
  runsMs: number[];
  medianMs?: number;
  maxMs?: number;
  /** Bytes on the wire. */
  bytes?: number;
}

export interface ExportFigure {
  mode: StackyardMode;
  stateBytes: number;
  resources: number;
  importMs?: number;
  /** `Accept-Encoding: gzip`, as the CLI asks (the stored gzip is passed through). */
  gzip: ExportTimings;
  /** No `Accept-Encoding` (the api inflates while streaming). */
  plain: ExportTimings;
  apiPeakRssMiB?: number;
  rssMethod?: string;
  error?: string;
}

export interface ConcurrentFigure {
  mode: StackyardMode;
  stacks: number;
  resources: number;
  /** `pulumi up` of each stack alone (ms; null when it failed). */
  aloneMs: Array<number | null>;
  slowestAloneMs?: number;
  /** The same `pulumi up`s all at once. */
  concurrentMs: Array<number | null>;
  /** First `pulumi up` start to last `pulumi up` end. */
  totalMs?: number;
  failures: number;
  errors: string[];
  error?: string;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt?: string;
  /** The command line that produced these results. */
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  backends: BackendRecord[];
  workload: WorkloadCell[];
  /** `pulumi stack export` bytes after the create, per N. */
  stateBytes: Record<string, number>;
  server: {
    journal: JournalFigure[];
    export: ExportFigure[];
    concurrent?: ConcurrentFigure;
  };
}

export function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * The run's results, saved after every measurement to `bench/results/<timestamp>.json` and
 * `bench/results/latest.json`, so an interrupted run keeps what it measured.
 */
export class ResultsRecorder {
  readonly file: string;

  constructor(readonly results: BenchResults) {
    this.file = join(RESULTS_DIR, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  }

  save(): void {
    const text = `${JSON.stringify(this.results, null, 2)}\n`;
    writeAtomically(this.file, text);
    writeAtomically(LATEST_RESULTS, text);
  }

  cell(backend: BackendId, size: number): WorkloadCell {
    let cell = this.results.workload.find((c) => c.backend === backend && c.size === size);
    if (!cell) {
      cell = { backend, size, ops: {} };
      this.results.workload.push(cell);
    }
    return cell;
  }
}

export function readResults(path: string): BenchResults {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  if (parsed.schema !== 1) throw new Error(`${path}: unknown results schema ${String(parsed.schema)}`);
  return parsed;
}

