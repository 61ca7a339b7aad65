import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from '../machine';
import { RESULTS_DIR, writeAtomically } from '../results';
import { type Timings, timings } from '../stats';
import type { KeyProviderId, SecretsBenchOptions } from './options';
import type { SecretValueSummary } from './values';

export const SECRETS_RESULTS_SCHEMA = 'stackyard-bench-secrets/1';
export const SECRETS_LATEST_RESULTS = join(RESULTS_DIR, 'secrets-latest.json');

/** Timed calls of one kind (request sent to last response byte): the samples and their summary. */
export { type Timings, timings };

export interface ProviderFigure {
  provider: KeyProviderId;
  /** What served the provider and how its key was set up. */
  setup?: string;
  cold: {
    /** The first batch-encrypt on a new stack: a data key is created and wrapped by the provider. */
    encryptNewStack: Timings;
    /** `suite.services.secrets.restart()` until ready (the start checks the provider and the KEK canary). */
    secretsRestart: Timings;
    /** The first batch-decrypt after a restart: the data key is read and unwrapped by the provider. */
    decryptAfterRestart: Timings;
  };
  /** Repeated calls with the stack's data key cached. */
  warm: {
    apiEncrypt: Timings;
    apiDecrypt: Timings;
    /** The same values straight to the secrets service (mutual TLS, JSON, no gzip): the api's share is the difference. */
    internalEncrypt: Timings;
    internalDecrypt: Timings;
  };
  /** Set when the provider or its suite failed; the timings hold what was measured before. */
  error?: string;
}

export function emptyFigure(provider: KeyProviderId): ProviderFigure {
  return {
    provider,
    cold: { encryptNewStack: timings([]), secretsRestart: timings([]), decryptAfterRestart: timings([]) },
    warm: { apiEncrypt: timings([]), apiDecrypt: timings([]), internalEncrypt: timings([]), internalDecrypt: timings([]) },
  };
}

export interface SecretsBenchResults {
  schema: typeof SECRETS_RESULTS_SCHEMA;
  startedAt: string;
  finishedAt?: string;
  /** The command line that produced these results. */
  command: string;
  options: SecretsBenchOptions;
  /** No pulumi CLI, MariaDB or S3 server takes part in this benchmark. */
  machine: Omit<MachineInfo, 'pulumi' | 'mariadb' | 'versitygw'>;
  values: SecretValueSummary;
  providers: ProviderFigure[];
}

/** Saved after every provider to `secrets-<timestamp>.json` and `secrets-latest.json`: a partial run keeps what it measured. */
export class SecretsResultsRecorder {
  readonly file: string;

  constructor(readonly results: SecretsBenchResults) {
    this.file = join(RESULTS_DIR, `secrets-${results.startedAt.replace(/[:.]/g, '-')}.json`);
  }

  save(): void {
    const text = `${JSON.stringify(this.results, null, 2)}\n`;
    writeAtomically(this.file, text);
    writeAtomically(SECRETS_LATEST_RESULTS, text);
  }
}

export function readSecretsResults(path: string): SecretsBenchResults {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as SecretsBenchResults;
  if (parsed.schema !== SECRETS_RESULTS_SCHEMA) throw new Error(`${path}: unknown secrets results schema ${String(parsed.schema)}`);
  return parsed;
}
