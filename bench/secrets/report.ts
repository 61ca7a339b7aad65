import { existsSync } from 'node:fs';
import { ms, table } from '../markdown';
import type { KeyProviderId } from './options';
import { type ProviderFigure, readSecretsResults, SECRETS_LATEST_RESULTS, type SecretsBenchResults, type Timings } from './results';

/** Issue 4's acceptance target: warm batch-decrypt of 1,000 values within 20 ms on the 2-core machine. */
const TARGET_VALUES = 1000;
const TARGET_MS = 20;

const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0];

function warmCell(t: Timings, figure: ProviderFigure): string {
  if (t.medianMs === undefined) return figure.error ? 'FAILED' : '—';
  return `${ms(t.medianMs)} / ${ms(t.p95Ms)} / ${ms(t.maxMs)}`;
}

function coldCell(t: Timings, figure: ProviderFigure): string {
  if (t.medianMs === undefined) return figure.error ? 'FAILED' : '—';
  return t.runsMs.length === 1 ? ms(t.medianMs) : `${ms(t.medianMs)} (${ms(Math.min(...t.runsMs))} … ${ms(t.maxMs)})`;
}

function targetRow(results: SecretsBenchResults, figure: ProviderFigure): string[] {
  const target = `warm batch-decrypt of 1,000 values ≤ ${TARGET_MS} ms (median, through the api), ${figure.provider}`;
  const applies = results.values.count === TARGET_VALUES;
  const t = figure.warm.apiDecrypt;
  if (t.medianMs === undefined) {
    return [target, figure.error ? `failed: ${firstLine(figure.error)}` : 'not measured', `**${applies ? 'MISS' : 'n/a'}**`];
  }
  const measured = `median ${ms(t.medianMs)} (p95 ${ms(t.p95Ms)}, max ${ms(t.maxMs)}) for ${results.values.count.toLocaleString('en-US')} values`;
  return [target, measured, `**${!applies ? 'n/a' : t.medianMs <= TARGET_MS ? 'PASS' : 'MISS'}**`];
}

/** The "Secrets" section of BENCHMARKS.md, entirely from a secrets results file. */
export function renderSecretsSection(results: SecretsBenchResults): string {
  const m = results.machine;
  const o = results.options;
  const v = results.values;
  const providers = results.providers;
  const name = (id: KeyProviderId) => `\`${id}\``;
  const partial = results.finishedAt ? '' : '\n> **Partial run**: the results file was written before the run finished.\n';
  const failures = providers.filter((p) => p.error).map((p) => `- ${name(p.provider)}: ${firstLine(p.error).slice(0, 300)}`);
  return `## Secrets: batch-encrypt / batch-decrypt per key provider

Generated from \`bench/results/secrets-latest.json\`, written by \`npm run bench:secrets\` (a separate
run from the one above; \`npm run bench -- --report-only\` renders both).
${partial}
Command: \`${results.command}\`

Date: ${m.date}, on ${m.nproc} × ${m.cpuModel}, ${m.ramGiB} GiB RAM, ${m.os}, Node ${m.node}; 1-min load average, start → end: ${m.loadAtStart} → ${m.loadAtEnd ?? '—'}.

For each key provider, a fresh embedded suite (SQLite) whose secrets service runs with that
\`STACKYARD_KEY_PROVIDER\`, and the calls \`pulumi\` makes for stack secrets, sent to the api as the
CLI sends them: HTTPS on one keep-alive connection, \`Authorization: token …\`, gzip request bodies
(compressed before the clock starts). \`batch-encrypt\` carries ${v.count.toLocaleString('en-US')} values
(${v.passwords.toLocaleString('en-US')} 32-character passwords and ${v.certificates} PEM certificates; ${v.minBytes}–${v.maxBytes.toLocaleString('en-US')} bytes each,
${(v.totalBytes / 1024).toFixed(1)} KiB in all, deterministic), \`batch-decrypt\` the ${v.count.toLocaleString('en-US')} ciphertexts of one
\`batch-encrypt\`; every answer is checked. Each time is request sent to last response byte.

- **Warm**: the stack's data key is cached in the secrets service; ${o.runs} timed calls after ${o.warmups} untimed ones.
  "internal" is the same call straight to the secrets service's \`/internal/v1/stacks/{id}/encrypt|decrypt\`
  (mutual TLS with the api's certificate, plain JSON, as the api calls it; timed until the answer is
  parsed): the difference to the api column is the api's share (token check, stack lookup, gzip, the extra hop).
- **Cold**: the first \`batch-encrypt\` on a new stack (the secrets service creates the data key and
  has the provider wrap it), on ${o.coldRuns} new stacks after both services served ${o.warmups} batches on another
  stack; and the first \`batch-decrypt\` after the secrets service is restarted (the new process reads the
  wrapped key and has the provider unwrap it; this also includes a new process's first request and the
  api's new connection to it — the \`local\` row is the baseline without a remote provider), ${o.coldRuns} restarts.

### Target

${table(['target', 'measured', 'result'], providers.map((p) => targetRow(results, p)))}

"n/a": measured with another number of values than the target names.

### Warm: median / p95 / max

${table(
  ['key provider', 'api `batch-encrypt`', 'api `batch-decrypt`', 'internal encrypt', 'internal decrypt'],
  providers.map((p) => [name(p.provider), warmCell(p.warm.apiEncrypt, p), warmCell(p.warm.apiDecrypt, p), warmCell(p.warm.internalEncrypt, p), warmCell(p.warm.internalDecrypt, p)]),
)}

### Cold: median (fastest … slowest)

${table(
  ['key provider', '`batch-encrypt`, new stack', '`batch-decrypt`, first after a secrets restart', 'secrets restart until ready'],
  providers.map((p) => [name(p.provider), coldCell(p.cold.encryptNewStack, p), coldCell(p.cold.decryptAfterRestart, p), coldCell(p.cold.secretsRestart, p)]),
)}

Key providers:

${providers.map((p) => `- ${name(p.provider)}: ${p.setup ?? 'did not start'}`).join('\n')}
${failures.length ? `\nFailures (full messages in the results file):\n\n${failures.join('\n')}\n` : ''}`;
}

/** The section from `bench/results/secrets-latest.json`, or undefined when the secrets benchmark was never run. */
export function secretsSection(file = SECRETS_LATEST_RESULTS): string | undefined {
  return existsSync(file) ? renderSecretsSection(readSecretsResults(file)) : undefined;
}
