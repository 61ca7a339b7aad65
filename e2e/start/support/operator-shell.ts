import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { delimiter, dirname } from 'node:path';
import { hermeticEnv, tempDir } from '@stackyard/testing';
import type { LoginSteps } from './login-steps';

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * A person's terminal that follows `npm start`'s instructions: bash running the printed lines
 * verbatim, with the real `pulumi` first on PATH and a private PULUMI_HOME. The environment is
 * pulumi-protocol.md §8.3 (no update check, no plugin downloads, plaintext credentials, no agent
 * variables) minus SSL_CERT_FILE and PULUMI_ACCESS_TOKEN: those must come from the printed steps.
 */
export class OperatorShell {
  readonly pulumiHome: string;

  constructor(
    readonly pulumiBinary: string,
    readonly steps: LoginSteps,
    pulumiHome?: string,
  ) {
    this.pulumiHome = pulumiHome ?? tempDir('stackyard-npm-start-pulumi-home');
  }

  env(): NodeJS.ProcessEnv {
    const env = hermeticEnv({
      pulumiHome: this.pulumiHome,
      pulumiBinary: this.pulumiBinary,
      caFile: this.steps.caFile,
      extra: { SSL_CERT_FILE: undefined, SSL_CERT_DIR: undefined, PULUMI_ACCESS_TOKEN: undefined },
    });
    env.PATH = [dirname(this.pulumiBinary), env.PATH ?? ''].join(delimiter);
    return env;
  }

  /** `bash -c` with errexit/pipefail; never throws for a non-zero exit. */
  run(script: string, cwd: string, timeoutMs = 120_000): Promise<ShellResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const timer = setTimeout(() => {
        stderr += `\n[test harness] killed after ${timeoutMs} ms`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  /** The printed steps, exactly as printed. */
  login(cwd: string): Promise<ShellResult> {
    return this.run(this.steps.lines.join('\n'), cwd);
  }

  /** A later command in the same terminal: the two `export` lines are still in effect. */
  session(command: string, cwd: string): Promise<ShellResult> {
    return this.run([...this.steps.lines.filter((l) => l.startsWith('export ')), command].join('\n'), cwd);
  }
}

export function describeResult(what: string, result: ShellResult): string {
  return `${what} exited with ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}

export interface HttpOutcome {
  status?: number;
  body?: string;
  error?: NodeJS.ErrnoException;
}

/** One GET; the outcome says what happened instead of throwing (TLS errors are expected in some checks). */
export function get(url: string, ca?: Buffer): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const secure = url.startsWith('https:');
    const options = { method: 'GET', timeout: 10_000, ...(secure && ca ? { ca } : {}) };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (error) => resolve({ status: res.statusCode, body, error }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    req.end();
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
