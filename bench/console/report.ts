import { ms, table } from '../markdown';
import { type ConsoleBenchResults, type PageFigure, readConsoleResults, type Timings } from './results';

/** Issue 8: "first page interactive in under 2 s on the test machine". */
const TARGET_MS = 2000;

const cell = (t: Timings): string => (t.medianMs === undefined ? '—' : `${ms(t.medianMs)} (p95 ${ms(t.p95Ms)})`);
const ratio = (t: Timings): string => (t.medianMs === undefined ? '—' : `${(t.medianMs / TARGET_MS).toFixed(2)}×`);

/** The "Console" section of BENCHMARKS.md, from a console results file. */
export function renderConsoleSection(results: ConsoleBenchResults): string {
  const m = results.machine;
  const o = results.options;
  const partial = results.finishedAt ? '' : '\n> **Partial run**: the results file was written before the run finished.\n';
  const names = [...new Set(results.modes.flatMap((mode) => mode.pages.map((p) => p.name)))];
  const figure = (mode: ConsoleBenchResults['modes'][number], name: string): PageFigure | undefined => mode.pages.find((p) => p.name === name);
  const header = ['Page', ...results.modes.flatMap((mode) => [`${mode.mode}: cold`, `${mode.mode}: warm`, `${mode.mode}: cold ÷ 2 s`])];
  const rows = names.map((name) => [
    name,
    ...results.modes.flatMap((mode) => {
      const f = figure(mode, name);
      return f ? [cell(f.cold), cell(f.warm), ratio(f.cold)] : ['—', '—', '—'];
    }),
  ]);
  const worst = Math.max(...results.modes.flatMap((mode) => mode.pages.map((p) => p.cold.maxMs ?? 0)));
  const measured = results.modes.some((mode) => mode.pages.length > 0);
  const failures = results.modes.filter((mode) => mode.error).map((mode) => `- ${mode.mode}: ${(mode.error ?? '').split('\n')[0]}`);
  return `## Console: time until a page is usable

Generated from \`bench/results/console-latest.json\`, written by \`npm run bench:console\` (a separate
run; \`npm run bench -- --report-only\` renders it again). Debian's Chromium on the same machine as the
services; ${o.runs} runs per page. The figure is the console's own \`stackyard:ready\` performance mark
(the page drawn with its data) from navigation start. **Cold**: a new browser context each run (no
cached scripts, a new TLS connection); **warm**: that page reloaded. The stack has ${o.resources} resources
and three updates made by the real CLI; the last row is the stacks list after ${o.stacks} more stacks.
${partial}
Machine: ${m.nproc} cores (${m.cpuModel}), ${m.ramGiB} GiB, ${m.os}, Node ${m.node}; load ${m.loadAtStart} at the start${m.loadAtEnd !== undefined ? `, ${m.loadAtEnd} at the end` : ''}; ${results.startedAt}.

### Target

| Target | Measured | Result |
|---|---|---|
| first page interactive < 2 s (every page, cold, slowest run) | ${measured ? ms(worst) : 'not measured'} | **${measured && failures.length === 0 ? (worst < TARGET_MS ? 'PASS' : 'MISS') : 'n/a'}** |

### Median (p95) per page

${table(header, rows)}
${failures.length ? `\nFailures (full messages in the results file):\n\n${failures.join('\n')}\n` : ''}`;
}

/** The section, or undefined when the console benchmark was never run. */
export function consoleSection(): string | undefined {
  const results = readConsoleResults();
  return results ? renderConsoleSection(results) : undefined;
}
