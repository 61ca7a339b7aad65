import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gzipSync, constants } from 'node:zlib';
import { SharedPeers, startStackyard } from '../backends';
import { errorText, progress } from '../log';
import { parseOptions, STACKYARD_MODES, type BenchOptions, type StackyardMode } from '../options';
import type { ExportFigure, JournalFigure } from '../results';
import { measureExport } from '../server/export-latency';
import { measureJournalLatency } from '../server/journal-latency';
import { syntheticDeployment } from '../server/synthetic-state';
import { median } from '../stats';
import { PAYLOAD_SEED } from '../workload';

/**
 * The cost of object encryption at rest, side by side in one run: `node dist/bench/object-encryption/run.js`
 * (after `npm run build`). For each storage mode and round it starts fresh suites with
 * `STACKYARD_OBJECT_ENCRYPTION=true` and `=false` (alternating which goes first) and measures, with
 * the main benchmark's own code (bench/server), the export of a `--export-mb` state (gzip as the
 * CLI asks, and plain) and journal batch latency of `--journal-resources` creates; plus the raw
 * seal/open time of the exported state's gzip bytes in this process. Prints a table to stdout;
 * writes no results file and not BENCHMARKS.md.
 *
 *   --modes embedded            or embedded,mariadb-s3
 *   --rounds 2                  on/off pairs per mode (each round's figure is shown, in run order)
 *   --export-mb 50  --export-runs 5  --journal-resources 2000  --journal-batch <n>  --payload-bytes 16384
 */

type Setting = 'on' | 'off';

interface Sample {
  mode: StackyardMode;
  setting: Setting;
  export?: ExportFigure;
  journal?: JournalFigure;
  error?: string;
}

function args(): { modes: StackyardMode[]; rounds: number; options: BenchOptions } {
  const { values } = parseArgs({
    strict: true,
    options: {
      modes: { type: 'string', default: 'embedded' },
      rounds: { type: 'string', default: '2' },
      'export-mb': { type: 'string', default: '50' },
      'export-runs': { type: 'string', default: '5' },
      'journal-resources': { type: 'string', default: '2000' },
      'journal-batch': { type: 'string' },
      'payload-bytes': { type: 'string', default: '16384' },
    },
  });
  const modes = values.modes.split(',').map((m) => m.trim()) as StackyardMode[];
  for (const mode of modes) if (!STACKYARD_MODES.includes(mode)) throw new Error(`--modes: unknown ${mode}; known: ${STACKYARD_MODES.join(', ')}`);
  const passOn = ['export-mb', 'export-runs', 'journal-resources', 'payload-bytes'] as const;
  const forwarded = passOn.flatMap((k) => [`--${k}`, values[k]]);
  if (values['journal-batch']) forwarded.push('--journal-batch', values['journal-batch']);
  const options = parseOptions(forwarded);
  if (options === 'help') throw new Error('unreachable');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  return { modes, rounds, options };
}

const fmt = (ms: number | undefined, digits = 1) => (ms === undefined ? '—' : `${ms.toFixed(digits)} ms`);
/** Every round's value, in run order (a machine shared with other work is noisy: show them all). */
const each = (values: Array<number | undefined>, digits = 1, unit = 'ms') => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? `${known.map((v) => v.toFixed(digits)).join(' / ')} ${unit}` : '—';
};

/**
 * AES-256-GCM over one buffer in this process (no server): the cipher's own share of the figures,
 * as the api's envelope uses it (libs/stacks/domain object-envelope.ts, which bench/ may not import).
 */
function rawCipher(gzipBytes: Buffer): { sealMs: number; openMs: number } {
  const key = randomBytes(32);
  const seals: number[] = [];
  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    const nonce = randomBytes(12);
    let t = performance.now();
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const sealed = Buffer.concat([cipher.update(gzipBytes), cipher.final()]);
    const tag = cipher.getAuthTag();
    seals.push(performance.now() - t);
    t = performance.now();
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(tag);
    Buffer.concat([decipher.update(sealed), decipher.final()]);
    opens.push(performance.now() - t);
  }
  return { sealMs: median(seals)!, openMs: median(opens)! };
}

async function main(): Promise<void> {
  const { modes, rounds, options } = args();
  const samples: Sample[] = [];
  const peers = new SharedPeers();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const order: Setting[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
        for (const setting of order) {
          const env = { STACKYARD_OBJECT_ENCRYPTION: setting === 'on' ? 'true' : 'false' };
          const sample: Sample = { mode, setting };
          samples.push(sample);
          try {
            progress(`round ${round + 1}, ${mode}, encryption ${setting}: export of ${options.exportBytes / 1024 / 1024} MiB…`);
            let suite = await startStackyard(mode, peers, env);
            try {
              sample.export = await measureExport(mode, suite, options);
            } finally {
              await suite.stop();
            }
            progress(`  gzip median ${fmt(sample.export.gzip.medianMs)}, plain median ${fmt(sample.export.plain.medianMs)}${sample.export.error ? `, FAILED: ${sample.export.error}` : ''}`);
            progress(`round ${round + 1}, ${mode}, encryption ${setting}: journal of ${options.journalResources} resources…`);
            suite = await startStackyard(mode, peers, env);
            try {
              sample.journal = await measureJournalLatency(mode, suite, options);
            } finally {
              await suite.stop();
            }
            progress(`  p50 ${fmt(sample.journal.p50Ms)}, p99 ${fmt(sample.journal.p99Ms)}${sample.journal.error ? `, FAILED: ${sample.journal.error}` : ''}`);
          } catch (error) {
            sample.error = errorText(error);
            progress(`  FAILED: ${sample.error}`);
          }
        }
      }
    }
  } finally {
    await peers.stop();
  }

  const { text } = syntheticDeployment({ project: 'bench-export', stack: 'export' }, options.exportBytes, PAYLOAD_SEED, options.payloadBytes);
  const gzipBytes = gzipSync(Buffer.from(text), { level: constants.Z_BEST_SPEED });
  const cipher = rawCipher(gzipBytes);

  const rows: string[] = [
    `| mode | encryption | export gzip (median of runs) | export plain (median of runs) | import | api peak RSS (export) | journal p50 | journal p99 | journal max | journal total | complete |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
  ];
  for (const mode of modes) {
    for (const setting of ['on', 'off'] as const) {
      const of = samples.filter((s) => s.mode === mode && s.setting === setting);
      const e = of.map((s) => s.export).filter((f): f is ExportFigure => f !== undefined && !f.error);
      const j = of.map((s) => s.journal).filter((f): f is JournalFigure => f !== undefined && !f.error);
      rows.push(
        `| ${mode} | ${setting} | ${each(e.map((f) => f.gzip.medianMs))} | ${each(e.map((f) => f.plain.medianMs))} | ${each(e.map((f) => f.importMs), 0)} | ` +
          `${each(e.map((f) => f.apiPeakRssMiB), 0, 'MiB')} | ${each(j.map((f) => f.p50Ms))} | ${each(j.map((f) => f.p99Ms))} | ${each(j.map((f) => f.maxMs))} | ` +
          `${each(j.map((f) => f.totalMs), 0)} | ${each(j.map((f) => f.completeMs), 0)} |`,
      );
    }
  }
  const errors = samples.flatMap((s) => [s.error, s.export?.error, s.journal?.error].filter(Boolean).map((e) => `${s.mode}/${s.setting}: ${e}`));
  const first = samples.find((s) => s.export && !s.export.error)?.export;
  const firstJournal = samples.find((s) => s.journal && !s.journal.error)?.journal;
  process.stdout.write(
    [
      `Object encryption at rest: ${rounds} round(s) per setting; export of a ${((first?.stateBytes ?? options.exportBytes) / 1024 / 1024).toFixed(1)} MiB state ` +
        `(${options.exportRuns} runs per encoding, gzip ${first?.gzip.bytes ?? '?'} bytes on the wire); journal of ${options.journalResources} resources ` +
        `(${firstJournal?.batches ?? '?'} batches of ${options.journalBatchResources} resources' entries, ~${firstJournal?.avgBatchBytes ?? '?'} bytes each)`,
      '',
      ...rows,
      '',
      `In-process AES-256-GCM of the same state's gzip (${(gzipBytes.length / 1024 / 1024).toFixed(1)} MiB): seal ${cipher.sealMs.toFixed(1)} ms, open ${cipher.openMs.toFixed(1)} ms (median of 5).`,
      ...(errors.length ? ['', 'Errors:', ...errors.map((e) => `- ${e}`)] : []),
      '',
    ].join('\n'),
  );
  if (errors.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
