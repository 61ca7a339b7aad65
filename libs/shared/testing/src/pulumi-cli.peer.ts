import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MissingPeerError } from './require-peer.util';
import { tempDir } from './temp-dir.util';
import { REPO_ROOT, hermeticEnv } from './hermetic-env.util';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Kill the command (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
  input?: string;
}

export interface PulumiCliOptions {
  binary: string;
  caFile: string;
  accessToken: string;
  /** Project directory commands run in by default. */
  cwd: string;
  /** Default: a fresh temporary directory. */
  pulumiHome?: string;
}

const BUILD_TIMEOUT_MS = 30 * 60_000;
let cachedBinary: Promise<string> | undefined;

/** Shows a command line in test output without any token that might be in it. */
function describeArgs(args: string[]): string {
  return args.map((a) => (/pul-[0-9a-f]{8,}/.test(a) ? '<redacted>' : a)).join(' ');
}

/**
 * The real `pulumi` CLI in a sealed environment (pulumi-protocol.md §8.3). The binary comes from
 * scripts/peers/pulumi-cli.sh (built from the Go module proxy once, then cached);
 * STACKYARD_PULUMI_VERSION selects another release.
 */
export class PulumiCli {
  readonly binary: string;
  readonly pulumiHome: string;
  readonly caFile: string;
  readonly cwd: string;
  private token: string;
  private cachedVersion?: Promise<string>;

  constructor(options: PulumiCliOptions) {
    this.binary = options.binary;
    this.caFile = options.caFile;
    this.cwd = options.cwd;
    this.token = options.accessToken;
    this.pulumiHome = options.pulumiHome ?? tempDir('stackyard-pulumi-home');
    mkdirSync(this.pulumiHome, { recursive: true });
  }

  /** Path of the CLI binary, provisioning it through scripts/peers/pulumi-cli.sh when needed. */
  static binaryPath(): Promise<string> {
    cachedBinary ??= new Promise<string>((resolve, reject) => {
      const version = process.env.STACKYARD_PULUMI_VERSION;
      const script = join(REPO_ROOT, 'scripts', 'peers', 'pulumi-cli.sh');
      execFile('bash', [script, ...(version ? [version] : [])], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const path = stdout.trim().split('\n').pop() ?? '';
        if (error || !path) {
          reject(
            new MissingPeerError(
              'pulumi',
              `scripts/peers/pulumi-cli.sh ${version ?? ''} failed (${error?.message ?? 'no path printed'})\n${stderr.slice(-2_000)}`,
              'bash scripts/peers/pulumi-cli.sh (needs Go and the Go module proxy; the first build takes several minutes)',
            ),
          );
          return;
        }
        resolve(path);
      });
    });
    return cachedBinary;
  }

  /** The CLI's release, as `pulumi version` prints it (e.g. `v3.274.1`). */
  async version(): Promise<string> {
    this.cachedVersion ??= this.ok(['version']).then((r) => r.stdout.trim());
    return this.cachedVersion;
  }

  /** Directory that contains `bin/pulumi`, as the Automation API's `PulumiCommand.get({root})` wants it. */
  get root(): string {
    return dirname(dirname(this.binary));
  }

  set accessToken(token: string) {
    this.token = token;
  }

  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv {
    return hermeticEnv({ pulumiHome: this.pulumiHome, pulumiBinary: this.binary, caFile: this.caFile, accessToken: this.token, extra });
  }

  /** Runs `pulumi <args>`; never throws for a non-zero exit (tests assert on the result). */
  run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, { cwd: options.cwd ?? this.cwd, env: this.env(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const timeoutMs = options.timeoutMs ?? 120_000;
      const timer = setTimeout(() => {
        stderr += `\n[test harness] pulumi ${describeArgs(args)} killed after ${timeoutMs} ms`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, durationMs: Date.now() - started });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs and insists on exit code 0, with both streams in the failure message. */
  async ok(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(`pulumi ${describeArgs(args)} exited with ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
    }
    return result;
  }

  /** `ok` and parse stdout as JSON (for `--json` commands). */
  async json<T>(args: string[], options: RunOptions = {}): Promise<T> {
    const result = await this.ok(args, options);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new Error(`pulumi ${describeArgs(args)} did not print JSON:\n${result.stdout}`);
    }
  }

  /** `pulumi login <url>` with the access token from the environment (non-interactive). */
  login(url: string): Promise<CliResult> {
    return this.ok(['login', url]);
  }
}

/** `v3.252.0` → [3, 252, 0]; anything unparsable sorts first. */
function versionParts(version: string): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

function isNewerThan(version: string, than: string): boolean {
  const [a, b] = [versionParts(version), versionParts(than)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/**
 * CLI output that tests assert on but that changed between releases (found by scripts/compat.sh;
 * COMPATIBILITY.md). Only the CLI's own wording differs here, never what the server answers.
 */
export const CLI_OUTPUT = {
  /** `whoami --verbose` prints `Access token source: …` (absent up to v3.252.0, present in v3.274.1). */
  whoamiNamesTokenSource: (version: string): boolean => isNewerThan(version, 'v3.252.0'),
  /**
   * `stack init` on a service backend announces `Created stack '…'`. Up to v3.252.0 the CLI printed
   * it only when creating the stack object failed (`if err != nil` in pkg/backend/httpstate/backend.go).
   */
  announcesCreatedStack: (version: string): boolean => isNewerThan(version, 'v3.252.0'),
};
