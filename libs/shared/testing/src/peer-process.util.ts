import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface PeerProcessOptions {
  /** For messages: "mariadb", "versitygw". */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr of the peer go here, so a failed start can quote it. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A peer server started by a test; killed when the test process ends, however it ends. */
export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Exit code or signal once the process has ended, else undefined. */
  exitStatus(): string | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/**
 * Peers must not outlive the test process. Normal exit and SIGINT/SIGTERM are covered here; a
 * SIGKILLed test process is covered by the watchdog in `spawnPeer`.
 */
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllNow();
      // Only we listened: restore the default action so the process still dies of the signal.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

export function spawnPeer(options: PeerProcessOptions): PeerProcess {
  installHooks();
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  live.add(child);
  // The test process must be able to end even if a test forgets stop(): the exit hook kills us.
  child.unref();

  // Watchdog: a shell that blocks reading a pipe from this process. The pipe closes when this
  // process dies for any reason, including SIGKILL, and the shell then kills the peer.
  const watchdog = spawn('/bin/sh', ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null', 'stackyard-peer-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  watchdog.on('error', () => undefined);

  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal ? `signal ${signal}` : `exit code ${code}`;
      live.delete(child);
      watchdog.kill('SIGKILL');
      resolve();
    });
    child.once('error', (error) => {
      status = `spawn error ${error.message}`;
      live.delete(child);
      watchdog.kill('SIGKILL');
      resolve();
    });
  });

  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    exitStatus: () => status,
    logTail: (lines = 30) => readTail(options.logFile, lines),
    async stop(graceMs = 10_000): Promise<void> {
      if (status !== undefined) return;
      // Keep the event loop alive while we wait (the child was unref'd).
      child.ref();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function readTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Fail fast, quoting its log, when this process dies while we wait. */
  peer?: PeerProcess;
  /** Extra text for the log file, e.g. MariaDB's error log. */
  logFile?: string;
}

/** Polls `probe` until it returns true; explains what was awaited when it gives up. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = options.peer?.exitStatus();
    if (exit !== undefined) {
      throw new PeerStartError(`${options.what}: the process ended (${exit}) before it was ready`, options.logFile ?? options.peer!.logFile);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new PeerStartError(`${options.what}: not ready after ${options.timeoutMs} ms${cause}`, options.logFile ?? options.peer?.logFile);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

export class PeerStartError extends Error {
  constructor(
    message: string,
    readonly logFile?: string,
  ) {
    super(logFile ? `${message}\n--- last lines of ${logFile} ---\n${readTail(logFile)}` : message);
    this.name = 'PeerStartError';
  }
}
