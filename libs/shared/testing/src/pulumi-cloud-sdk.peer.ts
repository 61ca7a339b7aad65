import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './hermetic-env.util';
import { MissingPeerError } from './require-peer.util';
import { tempDir } from './temp-dir.util';

/** One call for tools/cloud-sdk-client: Pulumi's operationId and the arguments that operation takes. */
export interface CloudSdkStep {
  op: string;
  org?: string;
  login?: string;
  team?: string;
  project?: string;
  stack?: string;
  roleId?: string;
  uxPurpose?: string;
  tokenId?: string;
  filter?: string;
  continuationToken?: string;
  startTime?: number;
  endTime?: number;
  /** The request body, decoded into the SDK's own request type (unknown fields are refused). */
  body?: unknown;
}

/** One operation of the SDK's generated client: Pulumi's operationId, method and path template. */
export interface CloudSdkOperation {
  operationId: string;
  method: string;
  path: string;
  file: string;
}

/** What the SDK made of the answer: the decoded result (re-encoded by the SDK's types), or its error. */
export interface CloudSdkOutcome {
  op: string;
  ok: boolean;
  result?: unknown;
  status?: number;
  error?: string;
}

const BUILD_TIMEOUT_MS = 15 * 60_000;
let cachedBinary: Promise<string> | undefined;

/**
 * Pulumi's own REST client, github.com/pulumi/pulumi-cloud-sdk/go, behind a small program
 * (tools/cloud-sdk-client) that runs a script of operations and prints what the SDK decoded.
 * Built by scripts/peers/pulumi-cloud-sdk-client.sh from the Go module proxy, then cached.
 */
export class PulumiCloudSdkClient {
  constructor(
    readonly binary: string,
    private readonly options: { baseUrl: string; caFile: string; token: string },
  ) {}

  static binaryPath(): Promise<string> {
    cachedBinary ??= new Promise<string>((resolve, reject) => {
      const script = join(REPO_ROOT, 'scripts', 'peers', 'pulumi-cloud-sdk-client.sh');
      execFile('bash', [script], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
        const path = stdout.trim().split('\n').pop() ?? '';
        if (error || !path) {
          reject(
            new MissingPeerError(
              'cloud-sdk-client',
              `scripts/peers/pulumi-cloud-sdk-client.sh failed (${error?.message ?? 'no path printed'})\n${stderr.slice(-2_000)}`,
              'bash scripts/peers/pulumi-cloud-sdk-client.sh (needs Go and the Go module proxy)',
            ),
          );
          return;
        }
        resolve(path);
      });
    });
    return cachedBinary;
  }

  /** Every operation the SDK's client has, as scripts/peers/pulumi-cloud-sdk-client.sh read them from its source. */
  static async operations(): Promise<CloudSdkOperation[]> {
    const binary = await PulumiCloudSdkClient.binaryPath();
    return JSON.parse(readFileSync(join(dirname(binary), 'pulumi-cloud-sdk-operations.json'), 'utf8')) as CloudSdkOperation[];
  }

  static async create(options: { baseUrl: string; caFile: string; token: string }): Promise<PulumiCloudSdkClient> {
    return new PulumiCloudSdkClient(await PulumiCloudSdkClient.binaryPath(), options);
  }

  /** Runs the steps in order, in one process; one outcome per step. The token goes through a 0600 file. */
  async run(steps: CloudSdkStep[], token = this.options.token): Promise<CloudSdkOutcome[]> {
    const dir = tempDir('stackyard-cloud-sdk');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    try {
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(this.binary, ['-base-url', this.options.baseUrl, '-token-file', tokenFile, '-ca', this.options.caFile], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir },
          timeout: 120_000,
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
        child.stdin.end(steps.map((s) => JSON.stringify(s)).join('\n') + '\n');
      });
      if (code !== 0) throw new Error(`cloud-sdk-client exited with ${code}: ${stderr.slice(-2_000)}`);
      const outcomes = stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as CloudSdkOutcome);
      if (outcomes.length !== steps.length) throw new Error(`cloud-sdk-client answered ${outcomes.length} outcomes for ${steps.length} steps: ${stdout.slice(-2_000)}`);
      return outcomes;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
