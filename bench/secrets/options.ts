import { parseArgs } from 'node:util';

/** The values of `STACKYARD_KEY_PROVIDER`, in the order they run and are shown. */
export const KEY_PROVIDER_IDS = ['local', 'vault', 'aws-kms', 'azure-keyvault', 'gcp-kms'] as const;
export type KeyProviderId = (typeof KEY_PROVIDER_IDS)[number];

export interface SecretsBenchOptions {
  /** Values per batch call. */
  values: number;
  /** Timed warm calls per path. */
  runs: number;
  /** Untimed calls before the timed ones (and on a separate stack before the cold figures). */
  warmups: number;
  /** New stacks (cold encrypt) and secrets restarts (cold decrypt) per provider. */
  coldRuns: number;
  providers: KeyProviderId[];
}

export const SECRETS_USAGE = `Usage: npm run bench:secrets -- [options]

For each key provider: a fresh embedded suite with STACKYARD_KEY_PROVIDER set, then the CLI's
batch-encrypt and batch-decrypt of the same values through the api (HTTPS, gzip bodies,
Authorization: token), cold (new stack; first call after a secrets restart) and warm, plus the
warm calls straight to the secrets service's internal endpoints (mutual TLS).

  --values 1000                 values per batch (32-byte passwords, every 50th a 1.3–4 KB PEM certificate)
  --runs 30                     timed warm calls per path
  --warmups 5                   untimed calls before them
  --cold-runs 3                 new stacks and secrets restarts per provider
  --providers all               or a list of: ${KEY_PROVIDER_IDS.join(', ')}

Results: bench/results/secrets-<timestamp>.json and bench/results/secrets-latest.json; the
"Secrets" section of BENCHMARKS.md is rendered from the latest one (also by npm run bench -- --report-only).
`;

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: '${raw}' is not a positive integer`);
  return n;
}

function providers(raw: string): KeyProviderId[] {
  if (raw === 'all') return [...KEY_PROVIDER_IDS];
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = items.filter((i) => !(KEY_PROVIDER_IDS as readonly string[]).includes(i));
  if (items.length === 0 || unknown.length) throw new Error(`--providers: unknown ${unknown.join(', ') || '(empty list)'}; known: ${KEY_PROVIDER_IDS.join(', ')}`);
  // Canonical order whatever order the flag lists them in.
  return KEY_PROVIDER_IDS.filter((id) => items.includes(id));
}

export function parseSecretsOptions(argv: string[]): SecretsBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      values: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '30' },
      warmups: { type: 'string', default: '5' },
      'cold-runs': { type: 'string', default: '3' },
      providers: { type: 'string', default: 'all' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  return {
    values: positiveInt(values.values, '--values'),
    runs: positiveInt(values.runs, '--runs'),
    warmups: positiveInt(values.warmups, '--warmups'),
    coldRuns: positiveInt(values['cold-runs'], '--cold-runs'),
    providers: providers(values.providers),
  };
}
