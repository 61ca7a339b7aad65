import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './free-port.util';
import { spawnPeer, waitUntil, PeerStartError } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

export const LOCAL_KMS_VERSION = process.env['STACKYARD_LOCAL_KMS_VERSION'] ?? 'v0.0.0-20260228092603-2a5e92d09ab6';
export const MOTO_VERSION = process.env['STACKYARD_MOTO_VERSION'] ?? '5.2.5';

/**
 * Where scripts/peers/local-kms.sh puts the AWS KMS emulator: local-kms (Go), or moto server when
 * local-kms could not be built (same variables, same layout). STACKYARD_LOCAL_KMS_BIN overrides.
 */
export function localKmsBinaryPath(): string {
  if (process.env['STACKYARD_LOCAL_KMS_BIN']) return process.env['STACKYARD_LOCAL_KMS_BIN'];
  const peers = join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'peers');
  const localKms = join(peers, `local-kms-${LOCAL_KMS_VERSION}`, 'bin', 'local-kms');
  const moto = join(peers, `moto-${MOTO_VERSION}`, 'venv', 'bin', 'moto_server');
  return !existsSync(localKms) && existsSync(moto) ? moto : localKms;
}

export interface LocalKmsPeer {
  /** `http://127.0.0.1:<port>`: point `@aws-sdk/client-kms` here. */
  endpoint: string;
  region: string;
  accountId: string;
  /** Any non-empty credentials work; the emulator does not check signatures. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** `local-kms` or `moto` (the fallback). */
  kind: 'local-kms' | 'moto';
  stop(): Promise<void>;
}

/**
 * An AWS KMS emulator on 127.0.0.1 and a free port with a temporary data directory: local-kms
 * (MIT; real AES-GCM keys, aliases, encryption contexts), or moto server when only it could be
 * provisioned. Keys and aliases are created by the test through the KMS API.
 */
export async function startLocalKms(options: { region?: string; startTimeoutMs?: number } = {}): Promise<LocalKmsPeer> {
  const binary = requirePeer('local-kms', localKmsBinaryPath(), 'bash scripts/peers/local-kms.sh (builds local-kms from the Go module proxy, or installs moto[server] from PyPI)');
  const kind = basename(binary) === 'moto_server' ? 'moto' : 'local-kms';
  const region = options.region ?? 'us-east-1';
  const accountId = '111122223333';
  const base = tempDir('stackyard-local-kms');
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const peer = spawnPeer({
      name: kind,
      command: binary,
      args: kind === 'moto' ? ['-H', '127.0.0.1', '-p', String(port)] : [],
      logFile: join(base, `${kind}-${port}.log`),
      cwd: base,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base, PORT: String(port), KMS_REGION: region, KMS_ACCOUNT_ID: accountId, KMS_DATA_PATH: join(base, 'data') },
    });
    try {
      await waitUntil(() => listKeysAnswers(port), { what: `${kind} on 127.0.0.1:${port}`, timeoutMs: options.startTimeoutMs ?? 30_000, peer });
    } catch (error) {
      await peer.stop(1_000);
      if (tries < 3 && error instanceof PeerStartError && /address already in use/.test(error.message)) continue;
      throw error;
    }
    return {
      endpoint: `http://127.0.0.1:${port}`,
      region,
      accountId,
      credentials: { accessKeyId: 'AKIDSTACKYARDTEST', secretAccessKey: 'stackyard-test-secret' },
      kind,
      async stop(): Promise<void> {
        await peer.stop(5_000);
        if (!keepTestData()) removeTempDir(base);
      },
    };
  }
}

function listKeysAnswers(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', timeout: 2_000, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSTACKYARDTEST/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0' } },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end('{}');
  });
}
