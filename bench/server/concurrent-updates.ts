import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '@stackyard/shared-launcher';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { PROJECT, writeProject } from '../backends';
import { errorText, progress, seconds } from '../log';
import type { BenchOptions, StackyardMode } from '../options';
import { runOperation } from '../program/start-runner';
import type { ConcurrentFigure } from '../results';
import { PAYLOAD_SEED } from '../workload';
import type { RunnerResult } from '../program/runner';

/**
 * Twenty stacks updating at once: each stack's `pulumi up` (create of `--concurrent-resources`)
 * first alone, one after the other, then all at the same time. Every stack has its own project
 * directory, so concurrent CLIs never share a workspace file; they share one login.
 */
export async function measureConcurrentUpdates(mode: StackyardMode, suite: Suite, binary: string, options: BenchOptions): Promise<ConcurrentFigure> {
  const figure: ConcurrentFigure = { mode, stacks: options.concurrentStacks, resources: options.concurrentResources, aloneMs: [], concurrentMs: [], failures: 0, errors: [] };
  const root = tempDir('stackyard-bench-concurrent');
  const cli = new PulumiCli({ binary, caFile: suite.caFile, accessToken: suite.adminToken, cwd: root });
  const stacks = Array.from({ length: options.concurrentStacks }, (_, i) => {
    const dir = join(root, `s${i}`);
    mkdirSync(dir);
    writeProject(dir);
    return { name: `${suite.org}/${PROJECT}/c${String(i + 1).padStart(2, '0')}`, dir };
  });
  const operation = (stack: (typeof stacks)[number], op: 'up' | 'destroy'): Promise<RunnerResult> =>
    runOperation({
      cli,
      env: {},
      timeoutMs: options.opTimeoutMs,
      request: {
        op,
        projectName: PROJECT,
        stackName: stack.name,
        workDir: stack.dir,
        program: { resources: options.concurrentResources, payloadBytes: options.payloadBytes, seed: PAYLOAD_SEED },
        parallel: options.parallel,
      },
    });
  const destroyAll = async () => {
    const results = await Promise.all(stacks.map((s) => operation(s, 'destroy')));
    const failed = results.filter((r) => !r.ok);
    if (failed.length) throw new Error(`destroying the concurrent stacks failed: ${failed[0].error}`);
  };
  try {
    await cli.login(suite.apiUrl);
    for (const stack of stacks) await cli.ok(['stack', 'init', stack.name], { cwd: stack.dir });
    for (const [i, stack] of stacks.entries()) {
      const result = await operation(stack, 'up');
      figure.aloneMs.push(result.ok && result.cliMs !== undefined ? Math.round(result.cliMs) : null);
      if (!result.ok) figure.errors.push(`alone ${stack.name}: ${(result.error ?? '').slice(0, 1_000)}`);
      progress(`concurrent ${mode}: ${stack.name} alone ${result.ok ? seconds(result.cliMs) : 'FAILED'} (${i + 1}/${stacks.length})`);
    }
    const alone = figure.aloneMs.filter((ms): ms is number => ms !== null);
    figure.slowestAloneMs = alone.length ? Math.max(...alone) : undefined;
    await destroyAll();

    progress(`concurrent ${mode}: ${stacks.length} × pulumi up at once…`);
    const results = await Promise.all(stacks.map((s) => operation(s, 'up')));
    for (const [i, result] of results.entries()) {
      figure.concurrentMs.push(result.ok && result.cliMs !== undefined ? Math.round(result.cliMs) : null);
      if (!result.ok) {
        figure.failures++;
        figure.errors.push(`concurrent ${stacks[i].name}: ${(result.error ?? '').slice(0, 1_000)}`);
      }
    }
    const starts = results.map((r) => r.cliStartedAt).filter((t): t is number => t !== undefined);
    const ends = results.map((r) => r.cliEndedAt).filter((t): t is number => t !== undefined);
    if (starts.length && ends.length) figure.totalMs = Math.max(...ends) - Math.min(...starts);
    progress(`concurrent ${mode}: total ${seconds(figure.totalMs)}, ${figure.failures} failed, slowest alone ${seconds(figure.slowestAloneMs)}`);
    await destroyAll().catch((error: unknown) => progress(`concurrent ${mode}: ${errorText(error).split('\n')[0]}`));
  } catch (error) {
    figure.error = errorText(error).slice(0, 2_000);
  }
  return figure;
}
