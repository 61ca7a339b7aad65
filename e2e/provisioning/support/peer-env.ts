import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT, tempDir } from '@stackyard/testing';

/** A version no module proxy can ever serve. */
export const IMPOSSIBLE_VERSION = 'v0.0.0-does-not-exist';

/** scripts/peers/ of this checkout. */
export const PEER_SCRIPTS = join(REPO_ROOT, 'scripts', 'peers');

/** Where the real peers are cached: never written by these tests. */
export function realCache(): string {
  return process.env.STACKYARD_CACHE ?? join(homedir(), '.cache', 'stackyard');
}

/** `peers/<name>/bin/<file>` → size and mtime: enough to notice a rebuild, a removal or a new entry. */
export function snapshotCache(cache = realCache()): Record<string, string> {
  const peers = join(cache, 'peers');
  const out: Record<string, string> = {};
  if (!existsSync(peers)) return out;
  for (const name of readdirSync(peers).sort()) {
    out[name] = 'dir';
    const bin = join(peers, name, 'bin');
    if (!existsSync(bin)) continue;
    for (const file of readdirSync(bin).sort()) {
      const s = statSync(join(bin, file));
      out[`${name}/bin/${file}`] = `${s.size} ${s.mtimeMs}`;
    }
  }
  return out;
}

/**
 * A CI job's environment in which provisioning cannot succeed without touching the real cache: an
 * empty STACKYARD_CACHE, no module proxy (GOPROXY=off, so nothing is downloaded into GOMODCACHE
 * either) and CI=true. Host STACKYARD_* settings (shared peers of an outer test run) are dropped.
 */
export function brokenEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('STACKYARD_') || /^npm_/i.test(key) || key.startsWith('NODE_TEST') || key === 'CI') continue;
    env[key] = value;
  }
  Object.assign(env, {
    CI: 'true',
    STACKYARD_CACHE: tempDir('stackyard-empty-peer-cache'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    // Node 24 for scripts/test.sh's version check, as `npm test` would have it.
    PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
  });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** The version a peer script builds when not told otherwise (`${VAR:-v1.2.3}` in the script). */
export function pinnedVersion(script: string, variable: string): string {
  const match = new RegExp(`\\$\\{${variable}:-([^}]+)\\}`).exec(readFileSync(join(PEER_SCRIPTS, script), 'utf8'));
  if (!match) throw new Error(`scripts/peers/${script} has no default for ${variable}`);
  return match[1];
}

/**
 * Puts the real cache's copy of `peer` (e.g. `versitygw-v1.7.0`) into `cache` as a symlink, so a
 * scenario can break one peer while the others stay provisioned. No-op when the real one is absent.
 */
export function linkRealPeer(cache: string, peer: string, binary: string): boolean {
  const real = join(realCache(), 'peers', peer, 'bin', binary);
  if (!existsSync(real)) return false;
  const dir = join(cache, 'peers', peer, 'bin');
  mkdirSync(dir, { recursive: true });
  symlinkSync(real, join(dir, binary));
  return true;
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runBash(script: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 120_000): Promise<ScriptResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('bash', [script, ...args], { env, cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const note = error?.killed ? `\n[test harness] killed after ${timeoutMs} ms` : '';
      resolve({ code, stdout, stderr: stderr + note, ms: Date.now() - started });
    });
  });
}

/**
 * scripts/test.sh and scripts/peers/ copied into a scratch root. test.sh works on its own root
 * (`rm -rf dist`, build, logs), so a copy keeps this checkout's dist/ safe whatever it does.
 */
export function scratchCheckout(): string {
  const root = tempDir('stackyard-ci-peers-root');
  cpSync(join(REPO_ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
  return root;
}

export function describeRun(what: string, r: ScriptResult): string {
  return `${what} exited with ${r.code} after ${r.ms} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
