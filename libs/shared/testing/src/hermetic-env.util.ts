import { delimiter, dirname, join, resolve } from 'node:path';

/** The repository root (this file compiles to dist/libs/shared/testing/src/hermetic-env.util.js). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..', '..');
export const NODE_MODULES = join(REPO_ROOT, 'node_modules');
/** Ships `pulumi-resource-pulumi-nodejs`, the launcher of Node dynamic providers (pulumi-protocol.md §8.2). */
export const PULUMI_NODE_SDK_DIR = join(NODE_MODULES, '@pulumi', 'pulumi');

/**
 * Variables by which the CLI detects an AI agent driving it (sdk `agentdetect.go`, v3.274.1), plus
 * the model hints it reads. With one set and no token, the CLI would call `/api/agents/signup`;
 * tests must behave the same wherever they run, so all of them are removed.
 */
const AGENT_VARIABLES = new Set([
  'AI_AGENT',
  'AI_AGENT_MODEL',
  'CLAUDECODE',
  'ANTIGRAVITY_AGENT',
  'AUGMENT_AGENT',
  'GEMINI_CLI',
  'REPL_ID',
  'ANTHROPIC_MODEL',
]);
const AGENT_PREFIXES = ['CLAUDE_CODE', 'CODEX_', 'CURSOR_', 'OPENCODE', 'COPILOT_', 'GOOSE_'];

export function isAgentVariable(name: string): boolean {
  return AGENT_VARIABLES.has(name) || AGENT_PREFIXES.some((p) => name.startsWith(p));
}

export interface HermeticEnvOptions {
  /** Isolated `PULUMI_HOME` (credentials, workspaces, plugins). */
  pulumiHome: string;
  /** Absolute path of the `pulumi` binary; its directory goes on PATH. */
  pulumiBinary: string;
  /** The installation CA (Go honours SSL_CERT_FILE on Linux). */
  caFile: string;
  accessToken?: string;
  extra?: Record<string, string | undefined>;
}

/**
 * The environment of every `pulumi` run in tests (pulumi-protocol.md §8.3): no update check, no
 * plugin downloads, plaintext credentials in a private PULUMI_HOME, our CA, our token, no colour,
 * none of the host's `PULUMI_*` settings (a stray PULUMI_BACKEND_URL or PULUMI_CONFIG_PASSPHRASE
 * would change what is tested) and no agent markers. PATH starts with Node 24 and the dynamic
 * provider launcher so the engine finds `pulumi-resource-pulumi-nodejs` and the right `node`.
 */
export function hermeticEnv(options: HermeticEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PULUMI_') || isAgentVariable(key)) continue;
    env[key] = value;
  }
  const path = [join(NODE_MODULES, '.bin'), dirname(process.execPath), PULUMI_NODE_SDK_DIR, dirname(options.pulumiBinary), process.env.PATH ?? '']
    .filter(Boolean)
    .join(delimiter);
  Object.assign(env, {
    PATH: path,
    // The dynamic-provider launcher resolves @pulumi/pulumi from its working directory, which is
    // the (temporary) project directory, outside this repository.
    NODE_PATH: NODE_MODULES,
    PULUMI_HOME: options.pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_DISABLE_REGISTRY_RESOLVE: 'true',
    PULUMI_CREDENTIAL_STORE: 'plaintext',
    SSL_CERT_FILE: options.caFile,
    NO_COLOR: '1',
    TERM: 'dumb',
  });
  if (options.accessToken !== undefined) env.PULUMI_ACCESS_TOKEN = options.accessToken;
  for (const [key, value] of Object.entries(options.extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}
