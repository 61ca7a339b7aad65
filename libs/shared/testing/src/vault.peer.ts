import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './free-port.util';
import { spawnPeer, waitUntil, PeerStartError } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

export const VAULT_VERSION = process.env['STACKYARD_VAULT_VERSION'] ?? 'v1.14.8';
export const OPENBAO_PSEUDO_VERSION = process.env['STACKYARD_OPENBAO_PSEUDO'] ?? 'v0.0.0-20260818154305-dd9c19c37a87';

/**
 * Where scripts/peers/vault.sh puts the Vault-compatible server: OpenBao when it could be built,
 * else HashiCorp Vault v1.14.8 (the last MPL-2.0 release). STACKYARD_VAULT_BIN overrides.
 */
export function vaultBinaryPath(): string {
  if (process.env['STACKYARD_VAULT_BIN']) return process.env['STACKYARD_VAULT_BIN'];
  const peers = join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'peers');
  const bao = join(peers, `openbao-${OPENBAO_PSEUDO_VERSION}`, 'bin', 'bao');
  return existsSync(bao) ? bao : join(peers, `vault-${VAULT_VERSION}`, 'bin', 'vault');
}

export interface VaultPeer {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The dev server's root token (tests only). */
  rootToken: string;
  kind: 'vault' | 'openbao';
  /** POST/GET/DELETE `/v1/<path>` with the root token; resolves the JSON body, rejects on >= 400. */
  api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * A Vault (or OpenBao) dev server on 127.0.0.1 and a free port: in-memory storage, unsealed, a
 * random root token, HOME in a temporary directory (so no ~/.vault-token is touched). Mount
 * engines (e.g. Transit) through `api()`.
 */
export async function startVault(options: { startTimeoutMs?: number } = {}): Promise<VaultPeer> {
  const binary = requirePeer('vault', vaultBinaryPath(), 'bash scripts/peers/vault.sh (builds OpenBao or Vault v1.14.8 from the Go module proxy; 10+ minutes once)');
  const kind = basename(binary) === 'bao' ? 'openbao' : 'vault';
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const base = tempDir('stackyard-vault');
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const peer = spawnPeer({
      name: kind,
      command: binary,
      args: ['server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${port}`, '-dev-no-store-token', '-log-level=warn'],
      logFile: join(base, `${kind}-${port}.log`),
      cwd: base,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base, VAULT_DISABLE_MLOCK: 'true', BAO_DISABLE_MLOCK: 'true' },
    });
    const api = (method: string, path: string, body?: unknown): Promise<unknown> => call(port, rootToken, method, path, body);
    try {
      await waitUntil(async () => (await probe(port)) === 200, { what: `${kind} on 127.0.0.1:${port}`, timeoutMs: options.startTimeoutMs ?? 30_000, peer });
    } catch (error) {
      await peer.stop(1_000);
      if (tries < 3 && error instanceof PeerStartError && /address already in use/.test(error.message)) continue;
      throw error;
    }
    return {
      endpoint: `http://127.0.0.1:${port}`,
      rootToken,
      kind,
      api,
      async stop(): Promise<void> {
        await peer.stop(5_000);
        if (!keepTestData()) removeTempDir(base);
      },
    };
  }
}

function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/sys/health', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
    req.end();
  });
}

function call(port: number, token: string, method: string, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      { host: '127.0.0.1', port, method, path: `/v1/${path.replace(/^\/+/, '')}`, timeout: 10_000, headers: { 'x-vault-token': token, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} /v1/${path}: HTTP ${res.statusCode} ${text}`));
          else resolve(text ? (JSON.parse(text) as unknown) : undefined);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('Vault did not answer within 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}
