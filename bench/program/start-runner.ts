import { join } from 'node:path';
import { spawnRunner, type PulumiCli } from '@stackyard/testing';
import { RESULT_MARKER, type RunnerRequest, type RunnerResult } from './runner';

const RUNNER = join(__dirname, 'runner.js');

export interface RunOperationOptions {
  cli: PulumiCli;
  /** Backend-specific variables on top of the CLI's hermetic environment. */
  env: Record<string, string | undefined>;
  request: Omit<RunnerRequest, 'pulumiRoot'>;
  timeoutMs: number;
}

/** Keeps failure messages readable: the end of the output is where the CLI says what went wrong. */
function tail(text: string, chars = 4_000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

/**
 * Runs one operation in a runner process that shares the CLI's hermetic environment (same
 * PULUMI_HOME, so the same login) and kills the whole process tree if it overruns `timeoutMs`.
 * Never throws: a failure is a result with `ok: false`.
 */
export async function runOperation(options: RunOperationOptions): Promise<RunnerResult> {
  const request: RunnerRequest = { ...options.request, pulumiRoot: options.cli.root };
  const running = spawnRunner<RunnerResult>([process.execPath, '--enable-source-maps', RUNNER, JSON.stringify(request)], {
    cwd: request.workDir,
    env: options.cli.env(options.env),
    marker: RESULT_MARKER,
    noResult: (reason) => ({ ok: false, error: reason }),
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    running.killTree();
  }, options.timeoutMs);
  try {
    const result = await running.result;
    if (timedOut) return { ok: false, error: `killed after the ${Math.round(options.timeoutMs / 60_000)} min time limit` };
    if (!result.ok) return { ...result, error: tail(`${result.error ?? 'failed'}\n--- runner output ---\n${running.output()}`) };
    return result;
  } finally {
    clearTimeout(timer);
  }
}
