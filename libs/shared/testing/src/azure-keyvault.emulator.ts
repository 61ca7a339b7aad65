import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '@stackyard/shared-tls';

/**
 * An in-repo Azure Key Vault (keys) emulator over HTTPS, for `@azure/keyvault-keys`. It exists
 * because lowkey-vault's application jar is not on Maven Central (only its client and
 * testcontainers artifacts are; `lowkey-vault-app` answers 404), and no other registry ships a
 * Key Vault emulator.
 *
 * It follows the Key Vault REST API (any `api-version`): bearer-challenge authentication (401 with
 * `WWW-Authenticate: Bearer authorization=…, resource=…` until a request carries the expected
 * token), `POST /keys/{name}/create` (RSA; every call makes a new version, as on Key Vault),
 * `POST /keys/{name}/rotate`, `GET /keys/{name}[/{version}]`, `POST /keys/{name}[/{version}]/wrapkey`
 * and `/unwrapkey` with RSA-OAEP-256, RSA-OAEP and RSA1_5 done with real RSA keys, and the error
 * shape `{"error":{"code","message"}}` (KeyNotFound 404, BadParameter 400, Unauthorized 401).
 */
export interface AzureKeyVaultEmulator {
  /** `https://127.0.0.1:<port>`. */
  vaultUrl: string;
  /** PEM of the CA that issued the server certificate (give it to the client's https.Agent). */
  caPem: string;
  /** The bearer token the emulator accepts. */
  token: string;
  stop(): Promise<void>;
}

interface KeyVersion {
  version: string;
  privateKey: KeyObject;
  jwk: { n: string; e: string };
  created: number;
  keyOps: string[];
}

class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ALL_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];

export async function startAzureKeyVaultEmulator(options: { token?: string } = {}): Promise<AzureKeyVaultEmulator> {
  const ca = await createCertificateAuthority('Stackyard test Azure Key Vault CA');
  const leaf = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
  const token = options.token ?? `kv-${randomBytes(16).toString('hex')}`;
  const keys = new Map<string, KeyVersion[]>();
  let vaultUrl = '';

  const bundle = (name: string, v: KeyVersion): Record<string, unknown> => ({
    key: { kid: `${vaultUrl}/keys/${name}/${v.version}`, kty: 'RSA', key_ops: v.keyOps, n: v.jwk.n, e: v.jwk.e },
    attributes: { enabled: true, created: v.created, updated: v.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90, exportable: false },
    tags: {},
  });
  const create = (name: string, body: Record<string, unknown>): KeyVersion => {
    const kty = typeof body['kty'] === 'string' ? body['kty'] : '';
    if (kty !== 'RSA' && kty !== 'RSA-HSM') throw new KvError(400, 'BadParameter', `this emulator creates RSA keys only (kty ${kty})`);
    const size = Number(body['key_size'] ?? 2048);
    if (![2048, 3072, 4096].includes(size)) throw new KvError(400, 'BadParameter', `Invalid key size ${size}`);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: size, publicExponent: 0x10001 });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const version: KeyVersion = {
      version: randomBytes(16).toString('hex'),
      privateKey,
      jwk: { n: String(jwk.n), e: String(jwk.e) },
      created: Math.floor(Date.now() / 1000),
      keyOps: Array.isArray(body['key_ops']) ? (body['key_ops'] as string[]) : ALL_OPS,
    };
    keys.set(name, [...(keys.get(name) ?? []), version]);
    return version;
  };
  const find = (name: string, version: string | undefined): KeyVersion => {
    const versions = keys.get(name);
    const found = version ? versions?.find((v) => v.version === version) : versions?.[versions.length - 1];
    if (!found) throw new KvError(404, 'KeyNotFound', `A key with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`);
    return found;
  };
  const padding = (alg: unknown): { padding: number; oaepHash?: string } => {
    switch (alg) {
      case 'RSA-OAEP-256':
        return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
      case 'RSA-OAEP':
        return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
      case 'RSA1_5':
        return { padding: constants.RSA_PKCS1_PADDING };
      default:
        throw new KvError(400, 'BadParameter', `Unsupported algorithm ${String(alg)}`);
    }
  };
  const valueOf = (body: Record<string, unknown>): Buffer => {
    const value = body['value'];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) throw new KvError(400, 'BadParameter', 'Property value is not base64url');
    return Buffer.from(value, 'base64url');
  };

  const route = (method: string, path: string, body: Record<string, unknown>): Record<string, unknown> => {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0]?.toLowerCase() !== 'keys' || !parts[1]) throw new KvError(404, 'NotFound', `no route ${method} ${path}`);
    const name = parts[1];
    const op = parts.length === 3 ? parts[2].toLowerCase() : parts.length === 4 ? parts[3].toLowerCase() : undefined;
    if (method === 'POST' && parts.length === 3 && (op === 'create' || op === 'rotate')) {
      if (op === 'rotate') {
        find(name, undefined);
        return bundle(name, create(name, { kty: 'RSA', key_size: 2048 }));
      }
      return bundle(name, create(name, body));
    }
    if (method === 'GET' && parts.length <= 3) return bundle(name, find(name, parts[2]));
    if (method === 'POST' && (op === 'wrapkey' || op === 'unwrapkey')) {
      const key = find(name, parts.length === 4 ? parts[2] : undefined);
      const kid = `${vaultUrl}/keys/${name}/${key.version}`;
      const required = op === 'wrapkey' ? 'wrapKey' : 'unwrapKey';
      if (!key.keyOps.includes(required)) throw new KvError(403, 'Forbidden', `Operation ${required} is not permitted on this key.`);
      const pad = padding(body['alg']);
      const value = valueOf(body);
      try {
        const out = op === 'wrapkey' ? publicEncrypt({ key: key.privateKey, ...pad }, value) : privateDecrypt({ key: key.privateKey, ...pad }, value);
        return { kid, value: out.toString('base64url') };
      } catch {
        throw new KvError(400, 'BadParameter', 'The parameter is incorrect.');
      }
    }
    throw new KvError(405, 'MethodNotAllowed', `no route ${method} ${path}`);
  };

  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-keyvault-service-version': 'stackyard-emulator', ...headers });
        res.end(text);
      };
      try {
        const url = new URL(req.url ?? '/', vaultUrl);
        if (req.headers.authorization !== `Bearer ${token}`) {
          send(401, { error: { code: 'Unauthorized', message: 'Request is missing a Bearer or PoP token.' } }, { 'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"' });
          return;
        }
        if (!url.searchParams.get('api-version')) throw new KvError(400, 'BadParameter', 'The api-version query parameter is missing');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        if (raw) {
          try {
            body = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            throw new KvError(400, 'BadParameter', 'The request body is not JSON');
          }
        }
        send(200, route(req.method ?? 'GET', url.pathname, body));
      } catch (error) {
        if (error instanceof KvError) send(error.status, { error: { code: error.code, message: error.message } });
        else send(500, { error: { code: 'InternalError', message: error instanceof Error ? error.message : String(error) } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  vaultUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped = false;
  return {
    vaultUrl,
    caPem: ca.certPem,
    token,
    stop(): Promise<void> {
      if (stopped) return Promise.resolve();
      stopped = true;
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
