import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Suite } from '@stackyard/shared-launcher';
import { progress } from '../log';
import type { BenchOptions, StackyardMode } from '../options';
import type { JournalFigure } from '../results';
import { median, percentile } from '../stats';
import { PAYLOAD_SEED } from '../workload';
import { RawClient } from './raw-client';
import { RssSampler } from './rss-sampler';
import { payloadResource, providerResource, type ResourceJson, stackResource, type StackNames } from './synthetic-state';

const PROJECT = 'bench-journal';
/** The CLI renews its lease long before it runs out; so does this. */
const RENEW_EVERY_MS = 60_000;

interface Entry {
  version: 1;
  kind: 0 | 1;
  sequenceID: number;
  operationID: number;
  removeOld: null;
  removeNew: null;
  operation?: { resource: ResourceJson; type: 'creating' };
  state?: ResourceJson;
}

/** One PATCH: its entries and which resources' creates it completes (for the first/last slices). */
interface Batch {
  entries: Entry[];
  completes: number[];
}

/**
 * The batches the CLI sends for N creates (httpstate/journal/snapshot.go): entries go to one
 * serial sender that flushes at 100 entries or every 50 ms, and each step waits for its entry to
 * be acknowledged, so with `window` steps in flight a batch carries the successes of one window
 * and the begins of the next. The stack and the default provider come first.
 */
function* journalBatches(names: StackNames, resources: number, window: number, payloadBytes: number): Generator<Batch> {
  let sequenceID = 0;
  let operationID = 0;
  const begin = (resource: ResourceJson, op: number): Entry => ({ version: 1, kind: 0, sequenceID: ++sequenceID, operationID: op, removeOld: null, removeNew: null, operation: { resource, type: 'creating' } });
  const success = (state: ResourceJson, op: number): Entry => ({ version: 1, kind: 1, sequenceID: ++sequenceID, operationID: op, removeOld: null, removeNew: null, state });
  const stackOp = ++operationID;
  const providerOp = ++operationID;
  yield {
    entries: [begin(stackResource(names), stackOp), success(stackResource(names), stackOp), begin(providerResource(names), providerOp), success(providerResource(names), providerOp)],
    completes: [],
  };
  let pending: Array<{ index: number; op: number }> = [];
  for (let start = 0; start < resources || pending.length > 0; start += window) {
    const entries: Entry[] = pending.map(({ index, op }) => success(payloadResource(names, index, PAYLOAD_SEED, payloadBytes, true), op));
    const completes = pending.map((p) => p.index);
    pending = [];
    for (let index = start; index < Math.min(resources, start + window); index++) {
      const op = ++operationID;
      entries.push(begin(payloadResource(names, index, PAYLOAD_SEED, payloadBytes, false), op));
      pending.push({ index, op });
    }
    if (entries.length) yield { entries, completes };
  }
}

/**
 * Journal batch latency through the raw protocol: create a stack, start a journaling update
 * (`journalVersion: 1`), send the creates of N resources as the CLI batches them, one PATCH at a
 * time, timing each from request to response; then complete.
 */
export async function measureJournalLatency(mode: StackyardMode, suite: Suite, options: BenchOptions): Promise<JournalFigure> {
  const resources = options.journalResources;
  const sliceResources = Math.max(1, Math.floor(resources / 10));
  const figure: JournalFigure = { mode, resources, batchResources: options.journalBatchResources, batches: 0, entries: 0, avgBatchBytes: 0, avgBatchGzipBytes: 0, sliceResources };
  const client = new RawClient(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
  const names: StackNames = { project: PROJECT, stack: `j${resources}` };
  const base = `/api/stacks/${suite.org}/${PROJECT}/${names.stack}`;
  const sampler = suite.services.api.pid ? new RssSampler(suite.services.api.pid) : undefined;
  let renewal: NodeJS.Timeout | undefined;
  const samples = { all: [] as number[], first: [] as number[], last: [] as number[], rawBytes: 0, gzipBytes: 0 };
  try {
    await client.ok('POST', `/api/stacks/${suite.org}/${PROJECT}`, { body: { stackName: names.stack } });
    const { updateID } = await client.ok<{ updateID: string }>('POST', `${base}/update`, { body: { options: { dryRun: false } } });
    const started = await client.ok<{ token: string; journalVersion?: number }>('POST', `${base}/update/${updateID}`, { body: { journalVersion: 1 } });
    if (started.journalVersion !== 1) throw new Error(`the api did not grant journaling (journalVersion ${String(started.journalVersion)})`);
    const authorization = `update-token ${started.token}`;
    renewal = setInterval(() => {
      client.call('POST', `${base}/update/${updateID}/renew_lease`, { authorization, body: { token: started.token, duration: 300 } }).catch(() => undefined);
    }, RENEW_EVERY_MS);

    sampler?.start();
    const t0 = performance.now();
    const expectedBatches = Math.ceil(resources / options.journalBatchResources) + 2;
    for (const batch of journalBatches(names, resources, options.journalBatchResources, options.payloadBytes)) {
      if (performance.now() - t0 > options.opTimeoutMs) {
        throw new Error(`stopped at the ${Math.round(options.opTimeoutMs / 60_000)} min time limit after ${figure.batches} of ${expectedBatches} batches`);
      }
      const json = Buffer.from(JSON.stringify({ entries: batch.entries }));
      const body = gzipSync(json);
      const res = await client.call('PATCH', `${base}/update/${updateID}/journalentries`, { authorization, body, gzipped: true });
      if (res.status !== 200) throw new Error(`batch ${figure.batches + 1} answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
      samples.all.push(res.ms);
      if (batch.completes.some((i) => i < sliceResources)) samples.first.push(res.ms);
      if (batch.completes.some((i) => i >= resources - sliceResources)) samples.last.push(res.ms);
      figure.batches++;
      figure.entries += batch.entries.length;
      samples.rawBytes += json.length;
      samples.gzipBytes += body.length;
      if (figure.batches % Math.max(1, Math.floor(expectedBatches / 10)) === 0) {
        progress(`journal ${mode}: batch ${figure.batches}/${expectedBatches}, p50 so far ${median(samples.all)?.toFixed(1)} ms, last ${res.ms.toFixed(1)} ms`);
      }
    }
    const completing = performance.now();
    await client.ok('POST', `${base}/update/${updateID}/complete`, { authorization, body: { status: 'succeeded' } });
    figure.completeMs = performance.now() - completing;
    figure.totalMs = performance.now() - t0;
    const exported = await client.call('GET', `${base}/export`, { discardBody: true });
    if (exported.status === 200) figure.finalStateBytes = exported.bytes;
  } catch (error) {
    figure.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (renewal) clearInterval(renewal);
    client.close();
    // What was measured counts even when the run stopped early (the error says where).
    figure.apiPeakRssMiB = sampler?.stop().peakMiB;
    if (figure.batches > 0) {
      Object.assign(figure, {
        p50Ms: percentile(samples.all, 50),
        p99Ms: percentile(samples.all, 99),
        maxMs: percentile(samples.all, 100),
        firstSliceP50Ms: median(samples.first),
        lastSliceP50Ms: median(samples.last),
        avgBatchBytes: Math.round(samples.rawBytes / figure.batches),
        avgBatchGzipBytes: Math.round(samples.gzipBytes / figure.batches),
      });
    }
  }
  return figure;
}
