import { writeFileSync } from 'node:fs';
import { seconds } from './log';
import { ms, table } from './markdown';
import { BACKEND_IDS, BACKEND_TITLES, type BackendId, maxSizeOf, type StackyardMode } from './options';
import { type BenchResults, type OpMeasurement, REPORT_FILE, WORKLOAD_OPS, type WorkloadOp } from './results';
import { MiB } from './stats';
import { secretsSection } from './secrets/report';
import { consoleSection } from './console/report';

const OP_TITLES: Record<WorkloadOp, string> = {
  up: '`pulumi up`: create N resources',
  noop: '`pulumi up` again: no changes',
  destroy: '`pulumi destroy`: delete N resources',
};
const MODE_TITLES: Record<StackyardMode, string> = { embedded: 'embedded (SQLite + disk)', 'mariadb-s3': 'MariaDB + S3 (versitygw)' };

/** The export and memory targets speak of 50 MB states. */
const TARGET_STATE_BYTES = 50 * 1000 * 1000;

type Verdict = 'PASS' | 'MISS' | 'n/a';
interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

const ratioText = (r: number | undefined) => (r === undefined ? '—' : `${r.toFixed(r < 0.1 ? 3 : 2)}×`);
const mib = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / MiB).toFixed(1)} MiB`);

function measurement(results: BenchResults, backend: BackendId, size: number, op: WorkloadOp): OpMeasurement | undefined {
  return results.workload.find((c) => c.backend === backend && c.size === size)?.ops[op];
}

function okMs(results: BenchResults, backend: BackendId, size: number, op: WorkloadOp): number | undefined {
  const m = measurement(results, backend, size, op);
  return m?.ok ? m.ms : undefined;
}

function ratio(results: BenchResults, backend: BackendId, reference: BackendId, size: number, op: WorkloadOp): number | undefined {
  const a = okMs(results, backend, size, op);
  const b = okMs(results, reference, size, op);
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

function ratioTarget(results: BenchResults, label: string, op: WorkloadOp, size: number, reference: BackendId, limit: number): TargetRow {
  const target = `${label} at N=${size} on MariaDB + S3 ≤ ${limit}× ${reference === 'floor' ? 'the floor' : 'the file:// backend'}`;
  const r = ratio(results, 'mariadb-s3', reference, size, op);
  if (r === undefined) return { target, measured: 'not measured', verdict: 'n/a' };
  return { target, measured: `${seconds(okMs(results, 'mariadb-s3', size, op))} vs ${seconds(okMs(results, reference, size, op))} = ${ratioText(r)}`, verdict: r <= limit ? 'PASS' : 'MISS' };
}

function targets(results: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [
    ratioTarget(results, '`up`', 'up', 600, 'floor', 1.25),
    ratioTarget(results, '`up`', 'up', 600, 'file', 0.2),
    ratioTarget(results, '`up`', 'up', 2000, 'floor', 1.3),
    ratioTarget(results, 'no-op `up`', 'noop', 2000, 'floor', 1.3),
    ratioTarget(results, '`destroy`', 'destroy', 2000, 'floor', 1.3),
  ];
  for (const figure of results.server.export) {
    const big = figure.stateBytes >= TARGET_STATE_BYTES;
    const size = `${mib(figure.stateBytes)} state`;
    const exportTarget = `export of a 50 MB state ≤ 1 s (median, as the CLI asks: gzip), ${MODE_TITLES[figure.mode]}`;
    const rssTarget = `api RSS < 512 MiB while a 50 MB state is imported and exported, ${MODE_TITLES[figure.mode]}`;
    if (figure.error || figure.gzip.medianMs === undefined) {
      rows.push({ target: exportTarget, measured: `failed: ${figure.error ?? 'no timings'}`, verdict: big ? 'MISS' : 'n/a' });
    } else {
      rows.push({ target: exportTarget, measured: `${ms(figure.gzip.medianMs)} (max ${ms(figure.gzip.maxMs)}; plain ${ms(figure.plain.medianMs)}) for a ${size}`, verdict: !big ? 'n/a' : figure.gzip.medianMs <= 1000 ? 'PASS' : 'MISS' });
    }
    const peak = figure.apiPeakRssMiB;
    rows.push({ target: rssTarget, measured: peak === undefined ? 'not measured' : `peak ${peak.toFixed(0)} MiB for a ${size}`, verdict: !big || peak === undefined ? 'n/a' : peak < 512 ? 'PASS' : 'MISS' });
  }
  const c = results.server.concurrent;
  if (c) {
    const full = c.stacks >= 20;
    const scope = `${c.stacks} stacks × ${c.resources} resources`;
    rows.push({ target: 'twenty concurrent updates: none fails', measured: c.error ? `failed: ${c.error.split('\n')[0]}` : `${c.failures} of ${c.stacks} failed (${scope})`, verdict: !full ? 'n/a' : !c.error && c.failures === 0 ? 'PASS' : 'MISS' });
    const r = c.totalMs !== undefined && c.slowestAloneMs ? c.totalMs / c.slowestAloneMs : undefined;
    rows.push({
      target: 'twenty concurrent updates: total ≤ 1.5× the slowest alone',
      measured: r === undefined ? 'not measured' : `${seconds(c.totalMs)} vs ${seconds(c.slowestAloneMs)} = ${ratioText(r)} (${scope})`,
      verdict: !full || r === undefined ? 'n/a' : r <= 1.5 ? 'PASS' : 'MISS',
    });
  }
  return rows;
}

function cellText(results: BenchResults, backend: BackendId, size: number, op: WorkloadOp): string {
  const cell = results.workload.find((c) => c.backend === backend && c.size === size);
  if (!cell) return size > maxSizeOf(backend, results.options) ? 'not run' : '—';
  if (cell.error) return 'FAILED';
  const m = cell.ops[op];
  if (!m) return '—';
  return m.ok ? seconds(m.ms) : m.error?.startsWith('not run') ? 'not run' : 'FAILED';
}

function workloadSection(results: BenchResults): string {
  const sizes = [...new Set(results.workload.map((c) => c.size))].sort((a, b) => a - b);
  const backends = BACKEND_IDS.filter((id) => results.workload.some((c) => c.backend === id));
  if (!sizes.length) return '_No workload was run._\n';
  const out: string[] = [];
  out.push(table(['', ...sizes.map((n) => `N=${n}`)], [['state (`pulumi stack export`)', ...sizes.map((n) => mib(results.stateBytes[String(n)]))]]));
  for (const op of WORKLOAD_OPS) {
    out.push(`\n### ${OP_TITLES[op]}\n`);
    const header = ['backend', ...sizes.flatMap((n) => [`N=${n}`, '×floor', '×file://'])];
    const rows = backends.map((b) => [
      BACKEND_TITLES[b],
      ...sizes.flatMap((n) => [cellText(results, b, n, op), b === 'floor' ? '1.00×' : ratioText(ratio(results, b, 'floor', n, op)), b === 'file' ? '1.00×' : ratioText(ratio(results, b, 'file', n, op))]),
    ]);
    out.push(table(header, rows));
  }
  const capped = backends.filter((b) => sizes.some((n) => n > maxSizeOf(b, results.options)));
  if (capped.length) {
    out.push(
      `\n"not run": ${capped.map((b) => `${BACKEND_TITLES[b]} up to N=${maxSizeOf(b, results.options)}`).join('; ')} ` +
        `in this run (\`--mode-rows-max\`, \`--whole-state-max\`): every step of theirs rewrites the whole state, so their time grows with N².`,
    );
  }
  return `${out.join('\n')}\n`;
}

function serverSection(results: BenchResults): string {
  const out: string[] = [];
  const { journal, export: exports, concurrent } = results.server;
  if (journal.length) {
    const j0 = journal[0];
    out.push(`### Journal batch latency\n`);
    out.push(
      `The creates of ${j0.resources.toLocaleString('en-US')} resources (${(results.options.payloadBytes / 1024).toFixed(0)} KiB of outputs each) journaled through the raw protocol, ` +
        `one \`PATCH …/journalentries\` at a time, ${j0.batchResources} resources per step (a batch carries one step's successes and the next step's begins, as the CLI sends them), ` +
        `each timed from request to response. "First/last" are the batches completing the first and last ${j0.sliceResources.toLocaleString('en-US')} resources: equal values mean the per-batch cost does not grow with the state. The api's peak RSS covers every batch, \`complete\` and one plain export of the final state.\n`,
    );
    out.push(
      table(
        ['storage', 'batches', 'entries/batch', 'batch (gzip)', 'p50', 'p99', 'max', 'p50 first', 'p50 last', 'last/first', 'complete', 'total', 'final state', 'api peak RSS'],
        journal.map((f) =>
          f.error && !f.batches
            ? [MODE_TITLES[f.mode], `FAILED: ${f.error.split('\n')[0]}`, ...Array<string>(12).fill('')]
            : [
                MODE_TITLES[f.mode] + (f.error ? ` (FAILED after ${f.batches} batches: ${f.error.split('\n')[0]})` : ''),
                String(f.batches),
                (f.entries / Math.max(1, f.batches)).toFixed(1),
                `${(f.avgBatchBytes / 1024).toFixed(0)} KiB (${(f.avgBatchGzipBytes / 1024).toFixed(0)} KiB)`,
                ms(f.p50Ms),
                ms(f.p99Ms),
                ms(f.maxMs),
                ms(f.firstSliceP50Ms),
                ms(f.lastSliceP50Ms),
                ratioText(f.firstSliceP50Ms && f.lastSliceP50Ms ? f.lastSliceP50Ms / f.firstSliceP50Ms : undefined),
                ms(f.completeMs),
                seconds(f.totalMs),
                mib(f.finalStateBytes),
                f.apiPeakRssMiB === undefined ? '—' : `${f.apiPeakRssMiB.toFixed(0)} MiB`,
              ],
        ),
      ),
    );
  }
  if (exports.length) {
    out.push(`\n### Export latency and api memory\n`);
    out.push(
      `A state of ${mib(exports[0].stateBytes)} (${exports[0].resources.toLocaleString('en-US')} resources) imported with \`POST …/import\` (gzip), then \`GET …/export\` timed to the last byte, ` +
        `${results.options.exportRuns} times each with \`Accept-Encoding: gzip\` (what the CLI sends) and without. The api's peak RSS covers the import and all exports.\n`,
    );
    out.push(
      table(
        ['storage', 'import', 'export gzip: median', 'max', 'bytes', 'export plain: median', 'max', 'api peak RSS'],
        exports.map((f) => [
          MODE_TITLES[f.mode] + (f.error ? ` (FAILED: ${f.error.split('\n')[0]})` : ''),
          ms(f.importMs),
          ms(f.gzip.medianMs),
          ms(f.gzip.maxMs),
          mib(f.gzip.bytes),
          ms(f.plain.medianMs),
          ms(f.plain.maxMs),
          f.apiPeakRssMiB === undefined ? '—' : `${f.apiPeakRssMiB.toFixed(0)} MiB`,
        ]),
      ),
    );
    const method = exports.find((f) => f.rssMethod)?.rssMethod;
    if (method) out.push(`\nRSS: ${method}, from \`/proc/<api pid>/status\`.`);
  }
  if (concurrent) {
    const c = concurrent;
    out.push(`\n### Concurrent updates — ${MODE_TITLES[c.mode]}\n`);
    out.push(
      `${c.stacks} stacks, each a \`pulumi up\` creating ${c.resources} resources: first each alone, one after another, then all ${c.stacks} at once ` +
        `(total = first \`pulumi up\` start to last end). All CLIs, programs and providers run on this same machine as the servers.\n`,
    );
    const done = (list: Array<number | null>) => list.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const alone = done(c.aloneMs);
    const together = done(c.concurrentMs);
    const r = c.totalMs !== undefined && c.slowestAloneMs ? c.totalMs / c.slowestAloneMs : undefined;
    out.push(
      table(
        ['failed (of ' + String(c.stacks) + ')', 'total wall', 'slowest alone', 'total / slowest alone', 'alone: fastest…slowest', 'at once: fastest…slowest'],
        [
          [
            c.error ? `run failed: ${c.error.split('\n')[0]}` : String(c.failures),
            seconds(c.totalMs),
            seconds(c.slowestAloneMs),
            ratioText(r),
            alone.length ? `${seconds(alone[0])} … ${seconds(alone[alone.length - 1])}` : '—',
            together.length ? `${seconds(together[0])} … ${seconds(together[together.length - 1])}` : '—',
          ],
        ],
      ),
    );
  }
  return out.length ? `${out.join('\n')}\n` : '_No server-side figures were measured._\n';
}

function failuresSection(results: BenchResults): string {
  const lines: string[] = [];
  for (const b of results.backends) if (!b.ok) lines.push(`- ${b.title}: did not start: ${(b.error ?? '').split('\n')[0]}`);
  for (const cell of results.workload) {
    if (cell.error) lines.push(`- ${BACKEND_TITLES[cell.backend]}, N=${cell.size}: ${cell.error.split('\n')[0]}`);
    for (const op of WORKLOAD_OPS) {
      const m = cell.ops[op];
      if (m && !m.ok && !m.error?.startsWith('not run')) lines.push(`- ${BACKEND_TITLES[cell.backend]}, N=${cell.size}, ${op}: ${(m.error ?? 'failed').split('\n')[0].slice(0, 300)}`);
    }
  }
  for (const e of results.server.concurrent?.errors ?? []) lines.push(`- concurrent updates: ${e.split('\n')[0].slice(0, 300)}`);
  return lines.length ? `\n## Failures\n\nFull messages are in the results file.\n\n${lines.join('\n')}\n` : '';
}

/** BENCHMARKS.md, entirely from a results file. */
export function renderReport(results: BenchResults): string {
  const m = results.machine;
  const o = results.options;
  const complete = results.finishedAt ? '' : '\n> **Partial run**: the results file was written before the run finished.\n';
  return `# Benchmarks

Generated from \`bench/results/latest.json\` by the benchmark harness in \`bench/\`; do not edit by hand.
Rerun everything with \`npm run bench\` (the full set below), or only rewrite this page from the
results file with \`npm run bench -- --report-only\`.
${complete}
Command: \`${results.command}\`

## Machine

| | |
|---|---|
| date | ${m.date} |
| CPUs (nproc) | ${m.nproc} × ${m.cpuModel} |
| RAM | ${m.ramGiB} GiB |
| OS | ${m.os} |
| Node | ${m.node} |
| pulumi CLI | ${m.pulumi} |
| MariaDB | ${m.mariadb} |
| versitygw | ${m.versitygw} |
| 1-min load average, start → end | ${m.loadAtStart} → ${m.loadAtEnd ?? '—'} |

Servers, peers, CLIs, programs and providers all share this one machine, over loopback.

## Targets

${table(['target', 'measured', 'result'], targets(results).map((t) => [t.target, t.measured, `**${t.verdict}**`]))}

"n/a": not measured in this run, or measured at another size than the target names.

## Workload: create, no-op, destroy

Like hatemosphere/pulumi-backend's benchmark: an Automation API inline program of N dynamic
resources, each with ${o.payloadBytes.toLocaleString('en-US')} bytes of outputs (hex from a seeded SHA-256 chain:
deterministic, identical on every backend, only about 2:1 compressible), run through \`pulumi up\`
(creates), \`pulumi up\` again (no changes) and \`pulumi destroy\` on a fresh stack per N, with
\`--parallel ${o.parallel}\` everywhere (the CLI's own default here, 4 × CPUs). Each time is the wall
clock of the \`pulumi\` process (the Automation API's follow-up \`stack output\`/\`stack history\` calls
are not counted). ×floor and ×file:// divide by the same operation on those rows. One run per cell.

With journaling, each step's begin and success entries wait until the batch carrying them is
acknowledged; the CLI sends batches one at a time, on a 50 ms ticker or every 100 entries
(\`pkg/backend/httpstate/journal/snapshot.go\`). The row with the CLI's
\`PULUMI_JOURNALING_BATCH_PERIOD=5\` (when run) separates that ticker from the cost of each
acknowledged round trip.

${workloadSection(results)}
Backends:

${results.backends.map((b) => `- **${b.title}**: ${b.notes.join('; ')}${b.journalBatchesApplied !== undefined ? ` (api log: ${b.journalBatchesApplied} journal batches applied)` : ''}`).join('\n')}

## Server-side figures

${serverSection(results)}${failuresSection(results)}`;
}

/** BENCHMARKS.md: the main results, then the secrets and console benchmarks' sections when they have been run. */
export function writeReport(results: BenchResults, file = REPORT_FILE): void {
  const sections = [secretsSection(), consoleSection()].filter((section) => section !== undefined);
  writeFileSync(file, renderReport(results) + sections.map((section) => `\n${section}`).join(''));
}
