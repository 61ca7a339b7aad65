import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PulumiCli } from './pulumi-cli';
import { RESULT_MARKER, type RunnerRequest, type RunnerResult } from './program-runner';
import { killTree } from './process-tree';

const RUNNER = join(__dirname, 'program-runner.js');

export interface RunningProgram {
  child: ChildProcess;
  /** Everything the runner (and the engine through it) printed so far. */
  output(): string;
  /** Resolves when the runner exits, with its result (or a synthetic failure when it was killed). */
  result: Promise<RunnerResult>;
  /** SIGKILL the runner, the `pulumi` engine and the dynamic provider plugin together. */
  killTree(): number[];
}

/**
 * Starts one Automation API operation of the workflow program in a runner process that shares
 * the CLI's hermetic environment (same PULUMI_HOME, so the same login).
 */
export function startProgram(cli: PulumiCli, request: Omit<RunnerRequest, 'pulumiRoot' | 'workDir'> & { workDir?: string }): RunningProgram {
  const full: RunnerRequest = { ...request, workDir: request.workDir ?? cli.cwd, pulumiRoot: cli.root };
  const started = Date.now();
  const child = spawn(process.execPath, ['--enable-source-maps', RUNNER, JSON.stringify(full)], {
    cwd: full.workDir,
    env: cli.env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const result = new Promise<RunnerResult>((resolve) => {
    child.once('close', (code, signal) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_MARKER));
      if (line) {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as RunnerResult);
        return;
      }
      resolve({ ok: false, error: `runner ended (${signal ?? `code ${code}`}) without a result:\n${out.slice(-4_000)}`, durationMs: Date.now() - started });
    });
  });
  return { child, output: () => out, result, killTree: () => (child.pid ? killTree(child.pid) : []) };
}

/** Runs an operation to completion and insists that it succeeded. */
export async function runProgram(cli: PulumiCli, request: Omit<RunnerRequest, 'pulumiRoot' | 'workDir'> & { workDir?: string }): Promise<RunnerResult> {
  const running = startProgram(cli, request);
  const result = await running.result;
  if (!result.ok) throw new Error(`${request.op} of ${request.stackName} failed: ${result.error}\n--- output ---\n${running.output().slice(-6_000)}`);
  return result;
}
