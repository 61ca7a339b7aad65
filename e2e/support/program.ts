import { join } from 'node:path';
import { type PulumiCli, type RunnerProcess, spawnRunner } from '@stackyard/testing';
import { RESULT_MARKER, type RunnerRequest, type RunnerResult } from './program-runner';

const RUNNER = join(__dirname, 'program-runner.js');

export type RunningProgram = RunnerProcess<RunnerResult>;

/**
 * Starts one Automation API operation of the workflow program in a runner process that shares
 * the CLI's hermetic environment (same PULUMI_HOME, so the same login).
 */
export function startProgram(cli: PulumiCli, request: Omit<RunnerRequest, 'pulumiRoot' | 'workDir'> & { workDir?: string }): RunningProgram {
  const full: RunnerRequest = { ...request, workDir: request.workDir ?? cli.cwd, pulumiRoot: cli.root };
  const started = Date.now();
  return spawnRunner<RunnerResult>([process.execPath, '--enable-source-maps', RUNNER, JSON.stringify(full)], {
    cwd: full.workDir,
    env: cli.env(),
    marker: RESULT_MARKER,
    noResult: (error) => ({ ok: false, error, durationMs: Date.now() - started }),
  });
}

/** Runs an operation to completion and insists that it succeeded. */
export async function runProgram(cli: PulumiCli, request: Omit<RunnerRequest, 'pulumiRoot' | 'workDir'> & { workDir?: string }): Promise<RunnerResult> {
  const running = startProgram(cli, request);
  const result = await running.result;
  if (!result.ok) throw new Error(`${request.op} of ${request.stackName} failed: ${result.error}\n--- output ---\n${running.output().slice(-6_000)}`);
  return result;
}
