import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trackChild } from './child-registry';
import { waitForReady } from './https-request.util';

export interface ServiceProcessSpec {
  /** Log name: `api`, `identity`, `api-2`, … */
  name: string;
  /** Absolute path of the compiled entry point (`dist/apps/<svc>/src/main.js`). */
  entry: string;
  /** The complete environment of the child (the launcher builds it; nothing else is inherited). */
  env: NodeJS.ProcessEnv;
  port: number;
  /** Base URL, e.g. `https://127.0.0.1:8443`. */
  url: string;
  /** CA that the service's certificate chains to, for the readiness probe. */
  caPem: string;
  /** The service's own certificate and key, presented by the readiness probe (mutual TLS). */
  probeCertPem?: string;
  probeKeyPem?: string;
  logFile: string;
  /** Also copy the child's output to this process's stdout, each line prefixed with `[name]`. */
  tee?: boolean;
  readyTimeoutMs: number;
  onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

/** What callers (tests, `npm start`) can do with one running service. */
export interface ServiceHandle {
  readonly name: string;
  /** Process id of the current incarnation; undefined while stopped. */
  readonly pid: number | undefined;
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM) and waits for exit; SIGKILL after `timeoutMs` (default 10 s). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** Simulates a crash: SIGKILL, no chance to clean up; waits until the process is gone. */
  kill9(): Promise<void>;
  /** Stops (if running) and starts again on the same port with the same environment, until ready. */
  restart(): Promise<void>;
}

const LOG_TAIL_LINES = 40;
const GUARD = join(__dirname, 'parent-guard.js');

/** One service child process: spawn, log capture, readiness, stop/kill/restart. */
export class ServiceProcess implements ServiceHandle {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  /** Crashes of a service that had been ready are reported; failed starts are thrown from start(). */
  private ready = false;
  private exitDescription: string | undefined;

  constructor(private readonly spec: ServiceProcessSpec) {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    if (!existsSync(spec.entry)) {
      throw new Error(`${spec.name}: entry point ${spec.entry} does not exist (run \`npm run build\` first)`);
    }
  }

  get name(): string {
    return this.spec.name;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get url(): string {
    return this.spec.url;
  }
  get port(): number {
    return this.spec.port;
  }
  get logFile(): string {
    return this.spec.logFile;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and resolves once `/readyz` answers 200; rejects with the log's tail otherwise. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    this.expectingExit = false;
    this.ready = false;
    this.exitDescription = undefined;
    const logFd = openSync(this.spec.logFile, 'a', 0o600);
    writeSync(logFd, `--- [launcher] ${new Date().toISOString()} starting ${this.spec.name} on port ${this.spec.port}\n`);
    const tee = this.spec.tee ? new LinePrefixer(`[${this.spec.name}] `) : undefined;
    // Without tee the child writes straight into its log file, so its last words (shutdown logs,
    // a crash) are kept even when this process is gone or busy.
    const output = tee ? 'pipe' : logFd;
    const child = spawn(process.execPath, ['--enable-source-maps', '--require', GUARD, this.spec.entry], {
      env: this.spec.env,
      cwd: dirname(this.spec.entry),
      // The IPC channel exists only so that the child notices when this process dies (parent-guard).
      stdio: ['ignore', output, output, 'ipc'],
      detached: false,
    });
    this.child = child;
    trackChild(child);
    // The parent must be able to exit while a service runs (tests stop them explicitly).
    child.channel?.unref();
    if (tee) {
      const onData = (chunk: Buffer) => {
        writeSync(logFd, chunk);
        process.stdout.write(tee.push(chunk));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `${signal === 'SIGKILL' ? 'killed' : 'stopped'} by ${signal}` : `exited with code ${code}`;
        // Let the pipes drain into the log before it is closed.
        setImmediate(() => {
          try {
            writeSync(logFd, `--- [launcher] ${new Date().toISOString()} ${this.spec.name} ${this.exitDescription}\n`);
            closeSync(logFd);
          } catch {
            // log already closed
          }
          resolve();
        });
        if (this.ready && !this.expectingExit) this.spec.onUnexpectedExit?.(this.spec.name, code, signal);
      });
    });
    child.once('error', (error) => {
      this.exitDescription = `could not be spawned: ${error.message}`;
    });
    try {
      await waitForReady(`${this.spec.url}/readyz`, {
        ca: this.spec.caPem,
        cert: this.spec.probeCertPem,
        key: this.spec.probeKeyPem,
        timeoutMs: this.spec.readyTimeoutMs,
        abortReason: () => (this.child === child && !this.running ? `${this.spec.name} ${this.exitDescription ?? 'exited'} before it was ready` : undefined),
      });
      this.ready = true;
    } catch (error) {
      await this.kill9();
      throw new Error(`${(error as Error).message}\n--- last lines of ${this.spec.logFile} ---\n${this.logTail()}`);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      await this.exited;
      return;
    }
    this.expectingExit = true;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill9(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The last lines of this service's log, for error messages. */
  logTail(lines = LOG_TAIL_LINES): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Prefixes every complete line of a byte stream; a partial last line waits for its end. */
class LinePrefixer {
  private pending = '';
  constructor(private readonly prefix: string) {}

  push(chunk: Buffer): string {
    const text = this.pending + chunk.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.pending = text;
      return '';
    }
    this.pending = text.slice(end + 1);
    return text
      .slice(0, end)
      .split('\n')
      .map((line) => `${this.prefix}${line}\n`)
      .join('');
  }
}
