import { performance } from 'node:perf_hooks';
import { LocalWorkspace, PulumiCommand, type OpMap } from '@pulumi/pulumi/automation';
import { payloadProgram, type PayloadProgramSpec } from './payload-program';

/**
 * Child-process entry that runs one Automation API operation of the payload program:
 * `node runner.js '<RunnerRequest JSON>'`. A separate process keeps the engine, its in-process
 * language host and the dynamic provider killable as one tree (an operation that overruns its
 * time limit) and keeps Pulumi's runtime out of the harness. The last stdout line is
 * `@@BENCH-RESULT <RunnerResult JSON>`.
 */
export interface RunnerRequest {
  op: 'up' | 'destroy';
  projectName: string;
  /** As the backend spells it: `org/project/stack` (Stackyard) or `stack` (DIY backends). */
  stackName: string;
  /** Project directory (Pulumi.yaml) shared with the plain CLI commands. */
  workDir: string;
  /** Directory containing `bin/pulumi`. */
  pulumiRoot: string;
  program: PayloadProgramSpec;
  parallel: number;
}

export interface RunnerResult {
  ok: boolean;
  error?: string;
  /** Wall clock of the `pulumi up` / `pulumi destroy` process alone: the benchmark's figure. */
  cliMs?: number;
  /** When that process started and ended (epoch ms), to measure overlapping runs. */
  cliStartedAt?: number;
  cliEndedAt?: number;
  /** The whole Automation API call, including its follow-up `stack output` and `stack history`. */
  automationMs?: number;
  result?: string;
  resourceChanges?: OpMap;
}

export const RESULT_MARKER = '@@BENCH-RESULT ';

interface CliRun {
  command: string;
  startedAt: number;
  ms: number;
}

type RunMethod = (args: string[], ...rest: unknown[]) => Promise<unknown>;

/**
 * Records the wall clock of every CLI process the Automation API starts. `stack.up()` also runs
 * `pulumi stack output` and `pulumi stack history` after `pulumi up`; those read the whole state
 * (for a DIY backend, the whole state file), so timing the call would blur the comparison.
 * `PulumiCommand.run` is the one method every CLI invocation of the Automation API goes through
 * (automation/cmd.js; not in its typings).
 */
function recordCliRuns(command: PulumiCommand, runs: CliRun[]): void {
  const target = command as unknown as { run: RunMethod };
  const original = target.run.bind(command);
  target.run = async (args: string[], ...rest: unknown[]) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    try {
      return await original(args, ...rest);
    } finally {
      runs.push({ command: args[0] ?? '', startedAt, ms: performance.now() - t0 });
    }
  };
}

async function run(request: RunnerRequest): Promise<RunnerResult> {
  const pulumiCommand = await PulumiCommand.get({ root: request.pulumiRoot });
  const runs: CliRun[] = [];
  recordCliRuns(pulumiCommand, runs);
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: request.projectName, stackName: request.stackName, program: payloadProgram(request.program) },
    { workDir: request.workDir, pulumiCommand },
  );
  const t0 = performance.now();
  const summary = request.op === 'up' ? (await stack.up({ parallel: request.parallel })).summary : (await stack.destroy({ parallel: request.parallel })).summary;
  const automationMs = performance.now() - t0;
  const cli = runs.find((r) => r.command === request.op);
  return {
    ok: summary.result === 'succeeded',
    ...(summary.result === 'succeeded' ? {} : { error: `the ${request.op} ended '${summary.result}'` }),
    cliMs: cli?.ms,
    cliStartedAt: cli?.startedAt,
    cliEndedAt: cli ? cli.startedAt + Math.round(cli.ms) : undefined,
    automationMs,
    result: summary.result,
    resourceChanges: summary.resourceChanges,
  };
}

if (require.main === module) {
  const request = JSON.parse(process.argv[2] ?? '{}') as RunnerRequest;
  run(request).then(
    (result) => {
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ ok: false, error: message })}\n`);
      process.exit(1);
    },
  );
}
