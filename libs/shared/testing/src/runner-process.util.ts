import { type ChildProcess, spawn } from 'node:child_process';
import { killTree } from './process-tree.util';

/** A runner process that reports its outcome as one `<marker><json>` line on stdout. */
export interface RunnerProcess<T> {
  child: ChildProcess;
  /** Everything the runner printed so far (stdout and stderr). */
  output(): string;
  result: Promise<T>;
  /** SIGKILLs the runner and every process below it (CLI, language host, providers); returns the pids. */
  killTree(): number[];
}

/**
 * Spawns a runner and resolves with the last marked result line it printed, or with
 * `noResult(reason)` when it ended without one (killed, crashed).
 */
export function spawnRunner<T>(
  command: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; marker: string; noResult: (reason: string) => T },
): RunnerProcess<T> {
  const child = spawn(command[0], command.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const result = new Promise<T>((resolve) => {
    child.once('close', (code, signal) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(options.marker));
      if (line) resolve(JSON.parse(line.slice(options.marker.length)) as T);
      else resolve(options.noResult(`runner ended (${signal ?? `code ${code}`}) without a result:\n${out.slice(-4_000)}`));
    });
  });
  return { child, output: () => out, result, killTree: () => (child.pid ? killTree(child.pid) : []) };
}
