import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { type PeerProcess, spawnPeer } from '@stackyard/testing';
import type { LaunchSpec, Probe } from './rendered-release';

/** A container of the rendered chart running as a local process (killed with the test process). */
export interface ContainerProcess {
  spec: LaunchSpec;
  process: PeerProcess;
}

function logFile(logDir: string, spec: LaunchSpec): string {
  return join(logDir, `${spec.workload.replace('/', '-')}-${spec.container}.log`);
}

function start(spec: LaunchSpec, logDir: string): PeerProcess {
  return spawnPeer({ name: `${spec.workload} ${spec.container}`, command: spec.executable, args: spec.args, env: spec.env, cwd: spec.cwd, logFile: logFile(logDir, spec) });
}

/** A Job's container: runs it and insists on exit code 0, as a Job that must complete. */
export async function runToCompletion(spec: LaunchSpec, logDir: string, timeoutMs: number): Promise<void> {
  const proc = start(spec, logDir);
  const timer = setTimeout(() => void proc.stop(1_000), timeoutMs);
  await proc.exited;
  clearTimeout(timer);
  const status = proc.exitStatus();
  if (status !== 'exit code 0') throw new Error(`${spec.workload} container ${spec.container} ended with ${status}\n${proc.logTail(40)}`);
}

/**
 * A Deployment's container: starts it and waits until its readiness probe, exactly as the manifest
 * defines it, succeeds. The probe is tried every 500 ms rather than every `periodSeconds` to keep
 * the test short; the deadline is what the startup probe allows (periodSeconds × failureThreshold),
 * capped by `maxWaitMs`.
 */
export async function startAndAwaitReady(spec: LaunchSpec, logDir: string, maxWaitMs: number, caPem: string): Promise<ContainerProcess> {
  const probe = spec.readinessProbe;
  if (!probe) throw new Error(`${spec.workload} container ${spec.container} has no readiness probe`);
  const startup = spec.startupProbe;
  const allowed = startup ? (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) * 1000 : maxWaitMs;
  const deadline = Date.now() + Math.min(allowed, maxWaitMs);
  const proc = start(spec, logDir);
  let last = 'not tried yet';
  while (Date.now() < deadline) {
    const status = proc.exitStatus();
    if (status !== undefined) throw new Error(`${spec.workload} container ${spec.container} ended (${status}) before it was ready\n${proc.logTail(40)}`);
    last = await runProbe(probe, spec, caPem);
    if (last === 'ok') return { spec, process: proc };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await proc.stop(2_000);
  throw new Error(`${spec.workload} container ${spec.container} was not ready in time (last probe: ${last})\n${proc.logTail(40)}`);
}

/** One probe attempt: `ok`, or why it failed. `caPem` is the installation's CA, which the listener's certificate must chain to. */
export function runProbe(probe: Probe, spec: LaunchSpec, caPem: string): Promise<string> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpGetProbe(probe.httpGet, spec, timeoutMs, caPem);
  if (probe.exec) return execProbe(probe.exec.command, spec, timeoutMs);
  throw new Error(`${spec.workload}: unsupported probe ${JSON.stringify(probe)}`);
}

function httpGetProbe(get: NonNullable<Probe['httpGet']>, spec: LaunchSpec, timeoutMs: number, caPem: string): Promise<string> {
  const port = typeof get.port === 'number' ? get.port : spec.ports.get(get.port);
  if (port === undefined) throw new Error(`${spec.workload}: probe port ${String(get.port)} is not a named port of the container`);
  if ((get.scheme ?? 'HTTP') !== 'HTTPS') throw new Error(`${spec.workload}: the services only speak TLS, yet the probe uses ${get.scheme ?? 'HTTP'}`);
  return new Promise((resolve) => {
    // Stricter than the kubelet, which does not verify an HTTPS probe: the certificate must chain to
    // the installation's CA. The address is loopback, not one of the certificate's names, so only
    // the name check is left out.
    const req = request({ host: '127.0.0.1', port, path: get.path ?? '/', method: 'GET', ca: caPem, checkServerIdentity: () => undefined, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      // The kubelet counts 200–399 as success.
      resolve(code >= 200 && code < 400 ? 'ok' : `HTTP ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}

function execProbe(command: string[], spec: LaunchSpec, timeoutMs: number): Promise<string> {
  const [executable, ...args] = command;
  if (executable !== 'node') throw new Error(`${spec.workload}: exec probe runs ${executable}; this test only knows the image's \`node\``);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => resolve(error.message));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? 'ok' : `exit ${code}: ${stderr.trim().slice(0, 300)}`);
    });
  });
}
