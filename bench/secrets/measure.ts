import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startSuite, type Suite } from '@stackyard/shared-launcher';
import { type DecryptValuesResponse, type EncryptValuesResponse, secretsDecryptPath, secretsEncryptPath } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { removeTempDir, tempDir } from '@stackyard/testing';
import { progress } from '../log';
import { RawClient, type RawResponse } from '../server/raw-client';
import type { SecretsBenchOptions } from './options';
import type { KeyProviderServer } from './providers';
import { type ProviderFigure, type Timings, timings } from './results';
import type { SecretValueSet } from './values';

const PROJECT = 'bench-secrets';

interface BenchStack {
  /** `/api/stacks/<org>/<project>/<stack>`. */
  path: string;
  /** The stack's internal id: what the secrets service keys its data key by. */
  id: string;
}

/** A request body as the CLI sends batch calls: JSON, gzipped, with `Content-Encoding: gzip`. */
const gzipJson = (value: object): Buffer => gzipSync(JSON.stringify(value));

function json<T>(res: RawResponse, what: string): T {
  if (res.status !== 200) throw new Error(`${what} answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  // The CLI asks for gzip; today the api answers these uncompressed, but either is understood.
  const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body) : res.body;
  return JSON.parse(body.toString('utf8')) as T;
}

/** The api calls of `pulumi`'s service secrets manager (pulumi-protocol.md §2.3), each timed from request to last response byte. */
class CliSecrets {
  constructor(
    private readonly api: RawClient,
    private readonly org: string,
  ) {}

  async createStack(name: string): Promise<BenchStack> {
    await this.api.ok('POST', `/api/stacks/${this.org}/${PROJECT}`, { body: { stackName: name } });
    const path = `/api/stacks/${this.org}/${PROJECT}/${name}`;
    const { id } = await this.api.ok<{ id: string }>('GET', path);
    return { path, id };
  }

  /** Timed `batch-encrypt`; `body` is the prepared gzip of `{plaintexts}`. */
  async encrypt(stack: BenchStack, body: Buffer, count: number): Promise<{ ms: number; ciphertexts: string[] }> {
    const res = await this.api.call('POST', `${stack.path}/batch-encrypt`, { body, gzipped: true, headers: { 'accept-encoding': 'gzip' } });
    const { ciphertexts } = json<{ ciphertexts?: unknown }>(res, 'batch-encrypt');
    if (!Array.isArray(ciphertexts) || ciphertexts.length !== count || !ciphertexts.every((c) => typeof c === 'string' && c.length > 0)) {
      throw new Error(`batch-encrypt did not answer ${count} ciphertexts`);
    }
    return { ms: res.ms, ciphertexts: ciphertexts as string[] };
  }

  /** Timed `batch-decrypt`; checks that every ciphertext maps to its plaintext, as the CLI looks them up. */
  async decrypt(stack: BenchStack, body: Buffer, ciphertexts: string[], plaintexts: string[]): Promise<number> {
    const res = await this.api.call('POST', `${stack.path}/batch-decrypt`, { body, gzipped: true, headers: { 'accept-encoding': 'gzip' } });
    const answer = json<{ plaintexts?: Record<string, string> }>(res, 'batch-decrypt').plaintexts ?? {};
    const wrong = ciphertexts.findIndex((c, i) => answer[c] !== plaintexts[i]);
    if (wrong >= 0) throw new Error(`batch-decrypt answered a wrong or missing plaintext for value ${wrong}`);
    return res.ms;
  }
}

/** `warmups` untimed calls, then `runs` timed ones. */
async function repeated(options: SecretsBenchOptions, call: () => Promise<number>): Promise<Timings> {
  for (let i = 0; i < options.warmups; i++) await call();
  const runsMs: number[] = [];
  for (let i = 0; i < options.runs; i++) runsMs.push(await call());
  return timings(runsMs);
}

const summary = (t: Timings): string => `median ${t.medianMs?.toFixed(1)} ms, p95 ${t.p95Ms?.toFixed(1)} ms, max ${t.maxMs?.toFixed(1)} ms`;

/**
 * One provider's figures on a fresh embedded suite whose secrets service uses it. Fills `figure`
 * as it goes, so what was measured before a failure is kept; throws on the first failure.
 */
export async function measureProvider(server: KeyProviderServer, options: SecretsBenchOptions, values: SecretValueSet, figure: ProviderFigure): Promise<void> {
  const label = figure.provider;
  const base = tempDir(`stackyard-bench-secrets-${label}`);
  let suite: Suite | undefined;
  let api: RawClient | undefined;
  let internal: InternalClient | undefined;
  try {
    suite = await startSuite({ dataDir: join(base, 'data'), mode: 'embedded', serviceEnv: { secrets: server.env } });
    const { token } = await suite.mintToken(suite.adminLogin, 'bench-secrets');
    api = new RawClient(suite.apiUrl, readFileSync(suite.caFile), token);
    const cli = new CliSecrets(api, suite.org);
    const plaintexts = values.plaintextsBase64;
    const encryptBody = gzipJson({ plaintexts });

    // The api and the secrets service serve a few batches on another stack first, so the cold
    // figures below are a data key's cost, not a new process's first request.
    const warmupStack = await cli.createStack('warmup');
    for (let i = 0; i < options.warmups; i++) {
      const { ciphertexts } = await cli.encrypt(warmupStack, encryptBody, plaintexts.length);
      await cli.decrypt(warmupStack, gzipJson({ ciphertexts }), ciphertexts, plaintexts);
    }

    // Cold encrypt: the first call on each new stack creates its data key and has the provider wrap it.
    const coldEncryptMs: number[] = [];
    let measured: { stack: BenchStack; ciphertexts: string[] } | undefined;
    for (let i = 1; i <= options.coldRuns; i++) {
      const stack = await cli.createStack(`s${i}`);
      const { ms, ciphertexts } = await cli.encrypt(stack, encryptBody, plaintexts.length);
      coldEncryptMs.push(ms);
      measured ??= { stack, ciphertexts };
    }
    figure.cold.encryptNewStack = timings(coldEncryptMs);
    progress(`${label}: cold batch-encrypt, new stack: ${summary(figure.cold.encryptNewStack)}`);
    const { stack, ciphertexts } = measured!;
    const decryptBody = gzipJson({ ciphertexts });

    // Warm: the data key is cached in the secrets service.
    figure.warm.apiEncrypt = await repeated(options, async () => (await cli.encrypt(stack, encryptBody, plaintexts.length)).ms);
    progress(`${label}: warm batch-encrypt: ${summary(figure.warm.apiEncrypt)}`);
    figure.warm.apiDecrypt = await repeated(options, () => cli.decrypt(stack, decryptBody, ciphertexts, plaintexts));
    progress(`${label}: warm batch-decrypt: ${summary(figure.warm.apiDecrypt)}`);

    // The same warm calls straight to the secrets service, as the api makes them (its client certificate).
    const pki = suite.pki;
    const secrets = new InternalClient({ baseUrl: suite.services.secrets.url, expectService: 'secrets', caFile: pki.caFile, certFile: pki.services.api.certFile, keyFile: pki.services.api.keyFile, timeoutMs: 60_000 });
    internal = secrets;
    figure.warm.internalEncrypt = await repeated(options, async () => {
      const t0 = performance.now();
      const res = await secrets.post<EncryptValuesResponse>(secretsEncryptPath(stack.id), { plaintexts });
      const ms = performance.now() - t0;
      if (res.ciphertexts.length !== plaintexts.length) throw new Error(`the secrets service answered ${res.ciphertexts.length} ciphertexts for ${plaintexts.length} values`);
      return ms;
    });
    figure.warm.internalDecrypt = await repeated(options, async () => {
      const t0 = performance.now();
      const res = await secrets.post<DecryptValuesResponse>(secretsDecryptPath(stack.id), { ciphertexts });
      const ms = performance.now() - t0;
      if (res.plaintexts.some((p, i) => p !== plaintexts[i])) throw new Error('the secrets service answered a wrong plaintext');
      return ms;
    });
    progress(`${label}: warm internal decrypt: ${summary(figure.warm.internalDecrypt)}`);

    // Cold decrypt: a restart empties the cache, so the first call reads the wrapped key and has the provider unwrap it.
    const restartMs: number[] = [];
    const coldDecryptMs: number[] = [];
    for (let i = 0; i < options.coldRuns; i++) {
      const t0 = performance.now();
      await suite.services.secrets.restart();
      restartMs.push(performance.now() - t0);
      coldDecryptMs.push(await cli.decrypt(stack, decryptBody, ciphertexts, plaintexts));
    }
    figure.cold.secretsRestart = timings(restartMs);
    figure.cold.decryptAfterRestart = timings(coldDecryptMs);
    progress(`${label}: cold batch-decrypt after a secrets restart: ${summary(figure.cold.decryptAfterRestart)}`);
  } finally {
    internal?.close();
    api?.close();
    await suite?.stop().catch((error: unknown) => progress(`${label}: stopping the suite: ${String(error)}`));
    removeTempDir(base);
  }
}
