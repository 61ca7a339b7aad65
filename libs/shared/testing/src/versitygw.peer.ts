import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.util';
import { spawnPeer, waitUntil, PeerStartError, type PeerProcess } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

export const VERSITYGW_VERSION = process.env['STACKYARD_VERSITYGW_VERSION'] ?? 'v1.7.0';

/** Where scripts/peers/versitygw.sh caches the binary (same variables, same layout). */
export function versitygwBinaryPath(): string {
  if (process.env['STACKYARD_VERSITYGW_BIN']) return process.env['STACKYARD_VERSITYGW_BIN'];
  const cache = process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard');
  return join(cache, 'peers', `versitygw-${VERSITYGW_VERSION}`, 'bin', 'versitygw');
}

export interface VersitygwOptions {
  accessKey?: string;
  secretKey?: string;
  region?: string;
  /** Serve HTTPS with this certificate (PEM files). A shared peer is never reused for TLS. */
  /** Serve HTTPS; the CA is required, since probes and clients verify the certificate. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /**
   * Object metadata in extended attributes (versitygw's default), in a sidecar directory, or
   * `auto`: xattrs, falling back to the sidecar when the filesystem has no user xattrs.
   */
  metadata?: 'auto' | 'xattr' | 'sidecar';
  /** Use STACKYARD_TEST_S3_* when set instead of starting a server (default true). */
  reuse?: boolean;
  startTimeoutMs?: number;
}

export interface VersitygwPeer {
  /** `http://127.0.0.1:<port>` (or https). Path-style S3 endpoint. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** True when this is a shared server from STACKYARD_TEST_S3_ENDPOINT. */
  reused: boolean;
  /** The server's data directory (launched peers only). */
  dataDir?: string;
  /** A bucket name no other test uses (buckets are created by the code under test). */
  uniqueBucket(prefix?: string): string;
  stop(): Promise<void>;
}

/**
 * An S3 server for integration tests: versitygw (Apache-2.0) over a temporary directory, on
 * 127.0.0.1 and a free port. It verifies SigV4 signatures, so wrong credentials fail as on real S3.
 * With STACKYARD_TEST_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY set (scripts/peers/start-peers.sh), the
 * running server is returned instead and stop() leaves it alone.
 */
export async function startVersitygw(options: VersitygwOptions = {}): Promise<VersitygwPeer> {
  const shared = process.env['STACKYARD_TEST_S3_ENDPOINT'];
  if (shared && options.reuse !== false && !options.tls) {
    const accessKey = process.env['STACKYARD_TEST_S3_ACCESS_KEY'];
    const secretKey = process.env['STACKYARD_TEST_S3_SECRET_KEY'];
    if (!accessKey || !secretKey) {
      throw new Error('STACKYARD_TEST_S3_ENDPOINT is set but STACKYARD_TEST_S3_ACCESS_KEY / STACKYARD_TEST_S3_SECRET_KEY are not');
    }
    return {
      endpoint: shared.replace(/\/+$/, ''),
      accessKey,
      secretKey,
      region: process.env['STACKYARD_TEST_S3_REGION'] ?? 'us-east-1',
      reused: true,
      uniqueBucket,
      stop: () => Promise.resolve(),
    };
  }

  const binary = requirePeer('versitygw', versitygwBinaryPath());
  const accessKey = options.accessKey ?? `test-${randomBytes(4).toString('hex')}`;
  const secretKey = options.secretKey ?? randomBytes(20).toString('hex');
  const region = options.region ?? 'us-east-1';
  const base = tempDir('stackyard-versitygw');
  const scheme = options.tls ? 'https' : 'http';
  // The readiness probe verifies the server's certificate against the given CA.
  const ca = options.tls ? readFileSync(options.tls.caFile) : undefined;

  const attempt = async (sidecar: boolean): Promise<{ peer: PeerProcess; port: number }> => {
    const port = await freePort();
    const run = `${Date.now().toString(36)}-${port}`;
    // Data, versions and sidecar must be siblings: versitygw refuses them inside its root.
    const data = join(base, 'data');
    const versions = join(base, 'versions');
    const meta = join(base, 'meta');
    for (const dir of [data, versions, meta]) mkdirSync(dir, { recursive: true });
    const args = ['--port', `127.0.0.1:${port}`, '--health', '/health', '--quiet'];
    if (options.tls) args.push('--cert', options.tls.certFile, '--key', options.tls.keyFile);
    args.push('posix', '--versioning-dir', versions);
    if (sidecar) args.push('--sidecar', meta);
    args.push(data);
    const peer = spawnPeer({
      name: 'versitygw',
      command: binary,
      args,
      logFile: join(base, `versitygw-${run}.log`),
      // Credentials via the environment, not argv, so they do not show up in `ps`.
      env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKey, ROOT_SECRET_ACCESS_KEY: secretKey, VGW_REGION: region },
    });
    try {
      await waitUntil(() => healthy(`${scheme}://127.0.0.1:${port}/health`, ca), {
        what: `versitygw on 127.0.0.1:${port}`,
        timeoutMs: options.startTimeoutMs ?? 20_000,
        peer,
      });
    } catch (error) {
      await peer.stop(1_000);
      throw error;
    }
    return { peer, port };
  };

  const metadata = options.metadata ?? 'auto';
  let started: { peer: PeerProcess; port: number } | undefined;
  for (let tries = 0; started === undefined; tries++) {
    try {
      started = await attempt(metadata === 'sidecar');
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (metadata === 'auto' && /xattr check failed/.test(text)) {
        started = await attempt(true);
      } else if (tries < 3 && /address already in use/.test(text)) {
        continue; // Someone took the free port between our probe and the peer's bind.
      } else {
        throw error;
      }
    }
  }
  const { peer, port } = started;
  return {
    endpoint: `${scheme}://127.0.0.1:${port}`,
    accessKey,
    secretKey,
    region,
    reused: false,
    dataDir: join(base, 'data'),
    uniqueBucket,
    async stop(): Promise<void> {
      await peer.stop(5_000);
      if (!keepTestData()) removeTempDir(base);
    },
  };
}

let bucketCounter = 0;
/** S3 bucket names: 3-63 lowercase letters, digits and hyphens. */
function uniqueBucket(prefix = 'test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30);
  return `${clean}-${process.pid.toString(36)}-${(bucketCounter++).toString(36)}-${randomBytes(3).toString('hex')}`;
}

function healthy(url: string, ca: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const tls = url.startsWith('https:') ? { ca } : {};
    const req = request(url, { method: 'GET', timeout: 2_000, ...tls }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new PeerStartError('health probe timed out')));
    req.on('error', reject);
    req.end();
  });
}
