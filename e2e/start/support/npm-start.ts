import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort, isAlive, processTree } from '@stackyard/testing';

/** The four ports `npm start` binds (tools/start/start-settings.ts), all chosen free for a test. */
export interface StartPorts {
  STACKYARD_PORT: string;
  STACKYARD_CONSOLE_PORT: string;
  STACKYARD_IDENTITY_PORT: string;
  STACKYARD_SECRETS_PORT: string;
}

export async function freeStartPorts(): Promise<StartPorts> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [api, consolePort, identity, secrets] = [...ports].map(String) as [string, string, string, string];
  return { STACKYARD_PORT: api, STACKYARD_CONSOLE_PORT: consolePort, STACKYARD_IDENTITY_PORT: identity, STACKYARD_SECRETS_PORT: secrets };
}

/**
 * The environment of a person's shell, not of the test run: no `npm_*` variables of an outer
 * `npm test`, no STACKYARD_* settings (shared test peers, data dirs) and no test-runner context.
 */
export function operatorEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key.startsWith('STACKYARD_') || key === 'INIT_CWD' || key.startsWith('NODE_TEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `npm <args>` as its own process group, the way a terminal runs a foreground job: Ctrl-C
 * (`interrupt`) sends SIGINT to the whole group, npm and everything below it.
 */
export class NpmProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt = Date.now();
  stdout = '';
  stderr = '';
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;

  private constructor(
    readonly args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn('npm', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`could not spawn npm ${args.join(' ')} in ${cwd}`);
    this.pid = this.child.pid;
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.stderr += `\n[test harness] ${error.message}`;
        this.exit = { code: 127, signal: null };
        resolve(this.exit);
      });
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static spawn(args: string[], cwd: string, env: NodeJS.ProcessEnv): NpmProcess {
    return new NpmProcess(args, cwd, env);
  }

  get output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  /** Resolves once stdout satisfies `ready`; fails with the output so far if npm exits first or time runs out. */
  async waitFor(ready: (stdout: string) => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = this.startedAt + timeoutMs;
    while (!ready(this.stdout)) {
      if (this.exit) throw new Error(`npm ${this.args.join(' ')} exited (${describeExit(this.exit)}) before ${what}\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`npm ${this.args.join(' ')} did not print ${what} within ${timeoutMs / 1000} s\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits for exit; undefined when it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** npm and every process below it, right now. */
  tree(): number[] {
    return processTree(this.pid).filter((pid) => isAlive(pid));
  }

  /** Ctrl-C in a terminal: SIGINT to the foreground process group. */
  interrupt(): void {
    signalGroup(this.pid, 'SIGINT');
  }

  /** Last-resort cleanup for a failed test: SIGKILL the group and anything that left it. */
  kill(extraPids: number[] = []): void {
    const pids = [...new Set([...this.tree(), ...extraPids])];
    signalGroup(this.pid, 'SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** Polls until none of `pids` is alive; returns the ones still alive after `timeoutMs`. */
export async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter((pid) => isAlive(pid));
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
