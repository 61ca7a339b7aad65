import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Suite } from '@stackyard/shared-launcher';
import { progress } from '../log';
import type { BenchOptions, StackyardMode } from '../options';
import type { ExportFigure, ExportTimings } from '../results';
import { max, median } from '../stats';
import { PAYLOAD_SEED } from '../workload';
import { RawClient } from './raw-client';
import { RssSampler } from './rss-sampler';
import { syntheticDeployment } from './synthetic-state';

const PROJECT = 'bench-export';

async function timeExports(client: RawClient, path: string, runs: number, acceptGzip: boolean): Promise<ExportTimings> {
  const timings: ExportTimings = { runsMs: [] };
  for (let i = 0; i < runs; i++) {
    const res = await client.call('GET', path, { discardBody: true, headers: acceptGzip ? { 'accept-encoding': 'gzip' } : {} });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    timings.runsMs.push(Math.round(res.ms * 10) / 10);
    timings.bytes = res.bytes;
  }
  timings.medianMs = median(timings.runsMs);
  timings.maxMs = max(timings.runsMs);
  return timings;
}

/**
 * A state of `--export-mb` goes into a stack through `POST …/import` (gzip, as the CLI sends
 * state), then `GET …/export` is timed to the last byte, both as the CLI asks for it (gzip) and
 * plain. The api's peak RSS is followed throughout.
 */
export async function measureExport(mode: StackyardMode, suite: Suite, options: BenchOptions): Promise<ExportFigure> {
  const stack = 'export';
  const { text, resources } = syntheticDeployment({ project: PROJECT, stack }, options.exportBytes, PAYLOAD_SEED, options.payloadBytes);
  const raw = Buffer.from(text);
  const figure: ExportFigure = { mode, stateBytes: raw.length, resources, gzip: { runsMs: [] }, plain: { runsMs: [] } };
  const body = gzipSync(raw);
  const client = new RawClient(suite.apiUrl, readFileSync(suite.caFile), suite.adminToken);
  const base = `/api/stacks/${suite.org}/${PROJECT}/${stack}`;
  const sampler = suite.services.api.pid ? new RssSampler(suite.services.api.pid) : undefined;
  try {
    await client.ok('POST', `/api/stacks/${suite.org}/${PROJECT}`, { body: { stackName: stack } });
    sampler?.start();
    const imported = await client.call('POST', `${base}/import`, { body, gzipped: true });
    if (imported.status !== 200) throw new Error(`import answered ${imported.status}: ${imported.body.toString('utf8').slice(0, 300)}`);
    figure.importMs = Math.round(imported.ms);
    progress(`export ${mode}: imported ${(raw.length / 1024 / 1024).toFixed(1)} MiB in ${figure.importMs} ms`);
    figure.gzip = await timeExports(client, `${base}/export`, options.exportRuns, true);
    figure.plain = await timeExports(client, `${base}/export`, options.exportRuns, false);
    if (figure.plain.bytes !== raw.length) throw new Error(`the plain export has ${figure.plain.bytes} bytes, the imported state ${raw.length}`);
  } catch (error) {
    figure.error = error instanceof Error ? error.message : String(error);
  } finally {
    const rss = sampler?.stop();
    figure.apiPeakRssMiB = rss?.peakMiB;
    figure.rssMethod = rss?.method;
    client.close();
  }
  return figure;
}
