import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { MissingPeerError } from './require-peer.util';

// This file compiles to dist/libs/shared/testing/src/helm.peer.js.
const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..', '..');

/** The chart tools provisioned by scripts/peers/*.sh, cached by version under ~/.cache/stackyard/peers. */
export type ChartTool = 'helm' | 'helm-unittest' | 'kubernetes-validate';

const cache = new Map<ChartTool, string>();

/** Path of a chart tool, provisioning it (Go build or pip venv) through its peer script once. */
export function chartToolPath(tool: ChartTool): string {
  const known = cache.get(tool);
  if (known) return known;
  const script = join(REPO_ROOT, 'scripts', 'peers', `${tool}.sh`);
  let path = '';
  try {
    path = execFileSync('bash', [script], { encoding: 'utf8', timeout: 30 * 60_000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 }).trim().split('\n').pop() ?? '';
  } catch (error) {
    throw new MissingPeerError(tool, `scripts/peers/${tool}.sh failed (${(error as Error).message.slice(0, 500)})`, `bash scripts/peers/${tool}.sh`);
  }
  if (!path) throw new MissingPeerError(tool, `scripts/peers/${tool}.sh printed no path`, `bash scripts/peers/${tool}.sh`);
  cache.set(tool, path);
  return path;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a chart tool with a clean, offline-only environment (no repositories, no plugins). */
export function runChartTool(tool: ChartTool, args: string[], options: { cwd?: string; home?: string } = {}): ToolResult {
  const home = options.home ?? join(REPO_ROOT, 'dist', 'test-logs', 'helm-home');
  const result = spawnSync(chartToolPath(tool), args, {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 5 * 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      NO_COLOR: '1',
    },
  });
  return { code: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** The Kubernetes version the chart is rendered and validated for (one bundled by kubernetes-validate). */
export const CHART_KUBE_VERSION = '1.33.0';

/** `helm template` of a chart with values files and `--set` pairs; throws with helm's message on failure. */
export function renderChart(chartDir: string, options: { release?: string; namespace?: string; valuesFiles?: string[]; set?: string[] } = {}): string {
  const args = ['template', options.release ?? 'stackyard', chartDir, '--kube-version', CHART_KUBE_VERSION, '--namespace', options.namespace ?? 'stackyard'];
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  for (const pair of options.set ?? []) args.push('--set', pair);
  const result = runChartTool('helm', args);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return result.stdout;
}

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } } & Record<string, unknown>;

/**
 * The documents of a multi-document YAML stream as objects. PyYAML of the kubernetes-validate
 * virtualenv (a provisioned peer) parses it, so the project needs no YAML dependency of its own.
 */
export function parseManifests(yamlText: string): Manifest[] {
  const python = join(chartToolPath('kubernetes-validate'), '..', 'python');
  const parsed = execFileSync(python, ['-c', 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))'], {
    input: yamlText,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(parsed) as Manifest[];
}
