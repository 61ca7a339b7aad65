import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.util';
import { type PeerProcess, PeerStartError, spawnPeer, waitUntil } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

export const KUBE_APISERVER_VERSION = process.env['STACKYARD_KUBE_APISERVER_VERSION'] ?? 'v1.37.2';
export const ETCD_VERSION = process.env['STACKYARD_ETCD_VERSION'] ?? 'v3.6.16';

function peersDir(): string {
  return join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'peers');
}

/** Where scripts/peers/kube-apiserver.sh and etcd.sh put the binaries (overridable for a local build). */
export function kubeApiserverBinaryPath(): string {
  return process.env['STACKYARD_KUBE_APISERVER_BIN'] ?? join(peersDir(), `kube-apiserver-${KUBE_APISERVER_VERSION}`, 'bin', 'kube-apiserver');
}

export function etcdBinaryPath(): string {
  return process.env['STACKYARD_ETCD_BIN'] ?? join(peersDir(), `etcd-${ETCD_VERSION}`, 'bin', 'etcd');
}

export interface KubeResponse {
  status: number;
  body: unknown;
  text: string;
}

export interface KubeApiserverPeer {
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** PEM of the certificate chain the API server serves (its own self-signed CA included). */
  caPem: string;
  /**
   * A kubeconfig file for `user` (created with `users` at start, or `admin`, which is in
   * `system:masters` and so bypasses RBAC).
   */
  kubeconfigPath(user: string): string;
  /** One REST call as `user`; JSON bodies in and out. Never throws on a status code. */
  request(user: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<KubeResponse>;
  /** Like `request` as admin, but rejects unless the status is 2xx. */
  apply(method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface KubeApiserverOptions {
  /** Users to create besides `admin` (static tokens; in no group, so RBAC decides what they may do). */
  users?: string[];
  startTimeoutMs?: number;
}

/**
 * A real Kubernetes control plane without kubelet or pods: etcd plus kube-apiserver, both on
 * 127.0.0.1 and free ports, with static-token authentication (a token file in a temporary
 * directory), RBAC authorization, a service-account signing key generated here and the API
 * server's own generated serving certificate. This is what controller-runtime's envtest runs,
 * minus its binary download. Built once by scripts/peers/etcd.sh and kube-apiserver.sh.
 */
export async function startKubeApiserver(options: KubeApiserverOptions = {}): Promise<KubeApiserverPeer> {
  const hint = 'bash scripts/peers/etcd.sh && bash scripts/peers/kube-apiserver.sh (built from the Go module proxy; 10-15 minutes once)';
  const etcdBinary = requirePeer('etcd', etcdBinaryPath(), hint);
  const apiserverBinary = requirePeer('kube-apiserver', kubeApiserverBinaryPath(), hint);
  const base = tempDir('stackyard-kube');
  const peers: PeerProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const peer of [...peers].reverse()) await peer.stop(10_000);
  };
  try {
    const tokens = new Map<string, string>();
    for (const user of ['admin', ...(options.users ?? [])]) tokens.set(user, randomBytes(24).toString('hex'));
    // token,user,uid,"groups"
    writeFileSync(
      join(base, 'tokens.csv'),
      [...tokens].map(([user, token]) => `${token},${user},uid-${user}${user === 'admin' ? ',"system:masters"' : ''}`).join('\n') + '\n',
      { mode: 0o600 },
    );
    const serviceAccountKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(base, 'sa.key'), serviceAccountKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(base, 'sa.pub'), serviceAccountKey.publicKey.export({ type: 'spki', format: 'pem' }));

    const etcdClientPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcd = spawnPeer({
      name: 'etcd',
      command: etcdBinary,
      args: [
        '--name=stackyard-test',
        `--data-dir=${join(base, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=stackyard-test=http://127.0.0.1:${etcdPeerPort}`,
        // Throwaway data: no fsync, and a small quota.
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=268435456',
        '--log-level=warn',
      ],
      logFile: join(base, 'etcd.log'),
      cwd: base,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base },
    });
    peers.push(etcd);
    await waitUntil(async () => (await plainGet(`${etcdUrl}/health`)) === 200, { what: `etcd on ${etcdUrl}`, timeoutMs: 30_000, peer: etcd });

    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const certDir = join(base, 'certs');
    const apiserver = spawnPeer({
      name: 'kube-apiserver',
      command: apiserverBinary,
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // No Services or nodes here: keeping the `kubernetes` Service's endpoints would refuse loopback.
        '--endpoint-reconciler-type=none',
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(base, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(base, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(base, 'sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--v=1',
      ],
      logFile: join(base, 'kube-apiserver.log'),
      cwd: base,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base },
    });
    peers.push(apiserver);
    let caPem = '';
    const adminToken = tokens.get('admin')!;
    await waitUntil(
      async () => {
        try {
          caPem ||= readFileSync(join(certDir, 'apiserver.crt'), 'utf8');
        } catch {
          return false;
        }
        // Ready includes RBAC's bootstrap roles and the default namespace.
        const ready = await call(server, caPem, adminToken, 'GET', '/readyz').catch(() => undefined);
        return ready?.status === 200;
      },
      { what: `kube-apiserver on ${server}`, timeoutMs: options.startTimeoutMs ?? 120_000, intervalMs: 500, peer: apiserver },
    );

    const kubeconfigPath = (user: string): string => {
      const token = tokens.get(user);
      if (!token) throw new Error(`kube-apiserver peer: no user ${user}`);
      const path = join(base, `kubeconfig-${user}.yaml`);
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
        users: [{ name: user, user: { token } }],
        contexts: [{ name: user, context: { cluster: 'test', user } }],
        'current-context': user,
      };
      // JSON is YAML; the client reads either.
      writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
      return path;
    };
    const requestAs = (user: string, method: string, path: string, body?: unknown): Promise<KubeResponse> => {
      const token = tokens.get(user);
      if (!token) throw new Error(`kube-apiserver peer: no user ${user}`);
      return call(server, caPem, token, method, path, body);
    };
    return {
      server,
      caPem,
      kubeconfigPath,
      request: requestAs,
      async apply(method, path, body) {
        const res = await requestAs('admin', method, path, body);
        if (res.status < 200 || res.status >= 300) throw new Error(`kube-apiserver ${method} ${path}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
        return res.body;
      },
      async stop() {
        await stopAll();
        if (!keepTestData()) removeTempDir(base);
      },
    };
  } catch (error) {
    await stopAll();
    if (!keepTestData()) removeTempDir(base);
    throw error instanceof PeerStartError ? error : new PeerStartError(`kube-apiserver peer: ${(error as Error).message}`);
  }
}

function plainGet(url: string): Promise<number> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (res) => res.status,
    () => 0,
  );
}

function call(server: string, caPem: string, token: string, method: string, path: string, body?: unknown): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${server}${path}`,
      {
        method,
        ca: caPem,
        timeout: 10_000,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}
