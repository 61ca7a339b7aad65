import { LocalWorkspace, PulumiCommand, type OpMap } from '@pulumi/pulumi/automation';
import { workflowProgram, type WorkflowProgramSpec } from './workflow-program';

/**
 * Child-process entry that runs one Automation API operation on the inline workflow program:
 * `node program-runner.js '<RunnerRequest JSON>'`. A separate process keeps the engine, its
 * in-process language host and the dynamic provider killable as one tree (the cancel test) and
 * keeps Pulumi's runtime state out of the test process. The last stdout line is
 * `@@RESULT <RunnerResult JSON>`.
 */
export interface RunnerRequest {
  op: 'up' | 'preview' | 'refresh' | 'destroy';
  projectName: string;
  /** `org/stack` or `org/project/stack`. */
  stackName: string;
  /** Project directory shared with the plain CLI commands (Pulumi.yaml, Pulumi.<stack>.yaml). */
  workDir: string;
  /** Directory containing `bin/pulumi`. */
  pulumiRoot: string;
  program: WorkflowProgramSpec;
  parallel?: number;
  /** `up` only: refresh the state first (`pulumi up --refresh`). */
  refresh?: boolean;
  /** `refresh` only: drop pending creates from the state first (`--clear-pending-creates`). */
  clearPendingCreates?: boolean;
}

export interface RunnerResult {
  ok: boolean;
  error?: string;
  /** `up`/`refresh`/`destroy`: the update summary; `preview`: the change summary. */
  result?: string;
  resourceChanges?: OpMap;
  outputs?: Record<string, { value: unknown; secret: boolean }>;
  stdout?: string;
  durationMs: number;
}

export const RESULT_MARKER = '@@RESULT ';

async function run(request: RunnerRequest): Promise<RunnerResult> {
  const started = Date.now();
  const pulumiCommand = await PulumiCommand.get({ root: request.pulumiRoot });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: request.projectName, stackName: request.stackName, program: workflowProgram(request.program) },
    { workDir: request.workDir, pulumiCommand },
  );
  const onOutput = (out: string) => process.stdout.write(out);
  const parallel = request.parallel ?? 16;
  switch (request.op) {
    case 'up': {
      const r = await stack.up({ onOutput, parallel, ...(request.refresh === true ? { refresh: true } : {}) });
      return { ok: true, result: r.summary.result, resourceChanges: r.summary.resourceChanges, outputs: r.outputs, stdout: r.stdout, durationMs: Date.now() - started };
    }
    case 'preview': {
      const r = await stack.preview({ onOutput, parallel });
      return { ok: true, result: 'succeeded', resourceChanges: r.changeSummary, stdout: r.stdout, durationMs: Date.now() - started };
    }
    case 'refresh': {
      const r = await stack.refresh({ onOutput, parallel, ...(request.clearPendingCreates === true ? { clearPendingCreates: true } : {}) });
      return { ok: true, result: r.summary.result, resourceChanges: r.summary.resourceChanges, stdout: r.stdout, durationMs: Date.now() - started };
    }
    case 'destroy': {
      const r = await stack.destroy({ onOutput, parallel });
      return { ok: true, result: r.summary.result, resourceChanges: r.summary.resourceChanges, stdout: r.stdout, durationMs: Date.now() - started };
    }
  }
}

if (require.main === module) {
  const started = Date.now();
  const request = JSON.parse(process.argv[2] ?? '{}') as RunnerRequest;
  run(request).then(
    (result) => {
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify({ ok: false, error: message, durationMs: Date.now() - started })}\n`);
      process.exit(1);
    },
  );
}
