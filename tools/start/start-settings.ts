import { isAbsolute, join, resolve } from 'node:path';

/** What `npm start` runs with, from the environment (all optional). */
export interface StartSettings {
  dataDir: string;
  ports: { api: number; consoleBackend: number; identity: number; secrets: number };
  publicHosts: string[];
  logToStdout: boolean;
}

const DEFAULT_PORTS = { api: 8443, consoleBackend: 3443, identity: 7443, secrets: 7444 };

function port(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    problems.push(`${name} must be a port number (1-65535), got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
}

/**
 * `STACKYARD_DATA_DIR` (default `<cwd>/.stackyard`), `STACKYARD_PORT` (the api, default 8443, what
 * the CLI logs into), `STACKYARD_CONSOLE_PORT` (3443), `STACKYARD_IDENTITY_PORT` (7443),
 * `STACKYARD_SECRETS_PORT` (7444), `STACKYARD_PUBLIC_HOSTS` (comma-separated extra names for the
 * api certificate), `STACKYARD_LOG_TO_STDOUT=true` (echo service logs). Every problem is reported.
 */
export function startSettings(env: NodeJS.ProcessEnv, cwd: string): StartSettings {
  const problems: string[] = [];
  const dataDirRaw = env.STACKYARD_DATA_DIR;
  const dataDir = dataDirRaw ? (isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw)) : join(cwd, '.stackyard');
  const ports = {
    api: port(env, 'STACKYARD_PORT', DEFAULT_PORTS.api, problems),
    consoleBackend: port(env, 'STACKYARD_CONSOLE_PORT', DEFAULT_PORTS.consoleBackend, problems),
    identity: port(env, 'STACKYARD_IDENTITY_PORT', DEFAULT_PORTS.identity, problems),
    secrets: port(env, 'STACKYARD_SECRETS_PORT', DEFAULT_PORTS.secrets, problems),
  };
  const seen = new Map<number, string>();
  for (const [name, value] of Object.entries(ports)) {
    if (seen.has(value)) problems.push(`${name} and ${seen.get(value)} would both use port ${value}`);
    seen.set(value, name);
  }
  const publicHosts = (env.STACKYARD_PUBLIC_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (const host of publicHosts) {
    if (!/^[A-Za-z0-9.-]+$/.test(host)) problems.push(`STACKYARD_PUBLIC_HOSTS: ${JSON.stringify(host)} is not a host name or IPv4 address`);
  }
  const logToStdout = ['true', '1', 'yes'].includes((env.STACKYARD_LOG_TO_STDOUT ?? '').toLowerCase());
  if (problems.length) throw new Error(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { dataDir, ports, publicHosts, logToStdout };
}

/** Single-quotes a path for POSIX shells when it needs it (spaces, `$`, …). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The exact commands that log the real `pulumi` CLI into this installation. Never the token itself. */
export function loginSteps(caFile: string, tokenFile: string, apiUrl: string): string[] {
  return [`export SSL_CERT_FILE=${shellQuote(caFile)}`, `export PULUMI_ACCESS_TOKEN=$(cat ${shellQuote(tokenFile)})`, `pulumi login ${apiUrl}`];
}
