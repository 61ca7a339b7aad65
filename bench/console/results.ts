import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from '../machine';
import type { StackyardMode } from '../options';
import { RESULTS_DIR, writeAtomically } from '../results';
import { type Timings, timings } from '../stats';

export const CONSOLE_LATEST_RESULTS = join(RESULTS_DIR, 'console-latest.json');

export { type Timings, timings };

/** One page: navigation start to the console's `stackyard:ready` mark. */
export interface PageFigure {
  name: string;
  path: string;
  /** A fresh browser context: no cached scripts, a new TLS connection. */
  cold: Timings;
  /** The same page reloaded in that context. */
  warm: Timings;
}

export interface ConsoleModeFigure {
  mode: StackyardMode;
  pages: PageFigure[];
  error?: string;
}

export interface ConsoleBenchResults {
  schema: 'stackyard-bench-console/1';
  startedAt: string;
  finishedAt?: string;
  machine: Omit<MachineInfo, 'pulumi' | 'mariadb' | 'versitygw'>;
  options: { modes: StackyardMode[]; runs: number; resources: number; stacks: number };
  modes: ConsoleModeFigure[];
}

/** Saved after each mode, so a partial run keeps what it measured. */
export function saveConsoleResults(results: ConsoleBenchResults): void {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeAtomically(join(RESULTS_DIR, `console-${results.startedAt.replace(/[:.]/g, '-')}.json`), text);
  writeAtomically(CONSOLE_LATEST_RESULTS, text);
}

export function readConsoleResults(file = CONSOLE_LATEST_RESULTS): ConsoleBenchResults | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as ConsoleBenchResults;
  if (parsed.schema !== 'stackyard-bench-console/1') throw new Error(`${file}: not a console benchmark results file (schema ${String(parsed.schema)})`);
  return parsed;
}
