import { join } from 'node:path';
import { ConcurrentUpdateError, LocalWorkspace, PulumiCommand, type OpMap } from '@pulumi/pulumi/automation';
import { robustProgram, type RobustProgramSpec } from './robust-program';
import { spawnRunner, type RunnerProcess } from '@stackyard/testing';

/**
 * Child-process entry running one Automation API operation (the real `pulumi` binary drives the
 * update; the inline program runs in this process): `node robust-runner.js '<RobustRunRequest>'`.
 * A separate process per operation lets tests run several at once and SIGKILL one as a tree.
 * The last stdout line is `@@RESULT <RobustRunResult JSON>`.
 */
export interface RobustRunRequest {
  op: 'up' | 'destroy';
  projectName: string;
  /** `org/project/stack`. */
  stackName: string;
  workDir: string;
  /** Directory containing `bin/pulumi`. */
  pulumiRoot: string;
  program: RobustProgramSpec;
  parallel?: number;
}

export interface RobustRunResult {
  ok: boolean;
  /** The Automation API's error message (it carries the CLI's stderr). */
  error?: string;
  /** The error was the Automation API's ConcurrentUpdateError (the CLI printed the 409 of start). */
  concurrentUpdate?: boolean;
  result?: string;
  resourceChanges?: OpMap;
  outputs?: Record<string, { value: unknown; secret: boolean }>;
  startedAt: number;
  endedAt: number;
}

export const RESULT_MARKER = '@@RESULT ';

async function run(request: RobustRunRequest): Promise<Omit<RobustRunResult, 'startedAt' | 'endedAt'>> {
  const pulumiCommand = await PulumiCommand.get({ root: request.pulumiRoot });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: request.projectName, stackName: request.stackName, program: robustProgram(request.program) },
    { workDir: request.workDir, pulumiCommand },
  );
  const onOutput = (out: string) => process.stdout.write(out);
  const parallel = request.parallel ?? 8;
  switch (request.op) {
    case 'up': {
      const r = await stack.up({ onOutput, parallel });
      return { ok: true, result: r.summary.result, resourceChanges: r.summary.resourceChanges, outputs: r.outputs };
    }
    case 'destroy': {
      const r = await stack.destroy({ onOutput, parallel });
      return { ok: true, result: r.summary.result, resourceChanges: r.summary.resourceChanges };
    }
  }
}

if (require.main === module) {
  const startedAt = Date.now();
  const request = JSON.parse(process.argv[2] ?? '{}') as RobustRunRequest;
  run(request).then(
    (result) => {
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ ...result, startedAt, endedAt: Date.now() })}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const concurrentUpdate = error instanceof ConcurrentUpdateError;
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ ok: false, error: message, concurrentUpdate, startedAt, endedAt: Date.now() })}\n`);
      process.exit(1);
    },
  );
}

const RUNNER = join(__dirname, 'robust-runner.js');

export type RunningOperation = RunnerProcess<RobustRunResult>;

/**
 * Starts an operation in a runner process with the given environment (PulumiCli.env()).
 * `prefix` wraps the runner (e.g. `['strace', '-f', …]`).
 */
export function startOperation(env: NodeJS.ProcessEnv, request: RobustRunRequest, prefix: string[] = []): RunningOperation {
  const startedAt = Date.now();
  return spawnRunner<RobustRunResult>([...prefix, process.execPath, '--enable-source-maps', RUNNER, JSON.stringify(request)], {
    cwd: request.workDir,
    env,
    marker: RESULT_MARKER,
    noResult: (error) => ({ ok: false, error, startedAt, endedAt: Date.now() }),
  });
}

/** Runs an operation to completion and insists that it succeeded. */
export async function runOperation(env: NodeJS.ProcessEnv, request: RobustRunRequest, prefix: string[] = []): Promise<RobustRunResult> {
  const running = startOperation(env, request, prefix);
  const result = await running.result;
  if (!result.ok) throw new Error(`${request.op} of ${request.stackName} failed: ${result.error}\n--- output ---\n${running.output().slice(-6_000)}`);
  return result;
}
