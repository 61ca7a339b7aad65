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
 * It follows the Key Vault keys REST API as published in Azure/azure-rest-api-specs
 * (`specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json`; any
 * non-empty `api-version` is accepted), checked by azure-keyvault.emulator.spec.ts:
 * bearer-challenge authentication (401 with `WWW-Authenticate: Bearer authorization=…,
 * resource=…` until a request carries the expected token), CreateKey (`POST /keys/{name}/create`,
 * RSA / RSA-HSM, KeyCreateParameters validated against the spec's enums; every call makes a new
 * version, as on Key Vault), RotateKey (a new version like the latest one), GetKey
 * (`GET /keys/{name}[/{version}]`), and wrapKey / unwrapKey / encrypt / decrypt
 * (`POST /keys/{name}[/{version}]/<op>`) with RSA-OAEP-256, RSA-OAEP and RSA1_5 done with real RSA
 * keys, honouring `key_ops` and the `enabled` / `nbf` / `exp` attributes. Errors are
 * KeyVaultError bodies `{"error":{"code","message"}}` (BadParameter 400, Unauthorized 401,
 * Forbidden 403, KeyNotFound 404). Every other operation of that spec answers 501 NotImplemented
 * (a KeyVaultError too); paths outside it answer 404 NotFound.
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

/** The operationIds of keys.json (2025-07-01) that the emulator implements; the rest answer 501. */
export const AZURE_KEYVAULT_EMULATOR_OPERATIONS = ['CreateKey', 'RotateKey', 'GetKey', 'wrapKey', 'unwrapKey', 'encrypt', 'decrypt'] as const;

interface KeyVersion {
  version: string;
  kty: 'RSA' | 'RSA-HSM';
  keySize: number;
  publicExponent: number;
  privateKey: KeyObject;
  jwk: { n: string; e: string };
  keyOps: string[];
  enabled: boolean;
  nbf?: number;
  exp?: number;
  tags?: Record<string, string>;
  created: number;
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

const badParameter = (message: string): KvError => new KvError(400, 'BadParameter', message);

// Enumerations of keys.json (2025-07-01): JsonWebKeyType, JsonWebKeyOperation, JsonWebKeyEncryptionAlgorithm.
const KEY_TYPES = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM', 'oct', 'oct-HSM'];
const KEY_OPERATIONS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
const ENCRYPTION_ALGORITHMS = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA1_5',
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128CBC',
  'A192CBC',
  'A256CBC',
  'A128CBCPAD',
  'A192CBCPAD',
  'A256CBCPAD',
  'CKM_AES_KEY_WRAP',
  'CKM_AES_KEY_WRAP_PAD',
];
/** What Key Vault gives an RSA key created without `key_ops`. */
const DEFAULT_RSA_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];
/** The `key-name` pattern of CreateKey, RotateKey and ImportKey. */
const KEY_NAME = /^[0-9a-zA-Z-]+$/;
const INT32_MAX = 2 ** 31 - 1;

type Body = Record<string, unknown> | undefined;
type Handler = (params: string[], body: Body) => Record<string, unknown>;
interface Route {
  method: string;
  path: RegExp;
  operationId: string;
  handler?: Handler;
}

export async function startAzureKeyVaultEmulator(options: { token?: string } = {}): Promise<AzureKeyVaultEmulator> {
  const ca = await createCertificateAuthority('Stackyard test Azure Key Vault CA');
  const leaf = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], serverAuth: true });
  const token = options.token ?? `kv-${randomBytes(16).toString('hex')}`;
  const keys = new Map<string, KeyVersion[]>();
  let vaultUrl = '';

  const kidOf = (name: string, v: KeyVersion): string => `${vaultUrl}/keys/${name}/${v.version}`;
  const bundle = (name: string, v: KeyVersion): Record<string, unknown> => ({
    key: { kid: kidOf(name, v), kty: v.kty, key_ops: v.keyOps, n: v.jwk.n, e: v.jwk.e },
    attributes: {
      enabled: v.enabled,
      ...(v.nbf === undefined ? {} : { nbf: v.nbf }),
      ...(v.exp === undefined ? {} : { exp: v.exp }),
      created: v.created,
      updated: v.created,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
      exportable: false,
    },
    ...(v.tags ? { tags: v.tags } : {}),
  });

  const integer = (value: unknown, what: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw badParameter(`Property ${what} must be an integer`);
    return value;
  };
  const requireBody = (body: Body): Record<string, unknown> => {
    if (!body) throw badParameter('The request body is missing');
    return body;
  };
  const keyName = (name: string): string => {
    if (!KEY_NAME.test(name)) throw badParameter(`The key name '${name}' does not match ${KEY_NAME.source}`);
    return name;
  };
  const generate = (name: string, spec: Omit<KeyVersion, 'version' | 'privateKey' | 'jwk' | 'created'>): KeyVersion => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: spec.keySize, publicExponent: spec.publicExponent });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const version: KeyVersion = { ...spec, version: randomBytes(16).toString('hex'), privateKey, jwk: { n: String(jwk.n), e: String(jwk.e) }, created: Math.floor(Date.now() / 1000) };
    keys.set(name, [...(keys.get(name) ?? []), version]);
    return version;
  };
  /** KeyCreateParameters (required: kty). */
  const createKey = (name: string, body: Record<string, unknown>): KeyVersion => {
    const kty = body['kty'];
    if (typeof kty !== 'string' || !KEY_TYPES.includes(kty)) throw badParameter(`Property kty must be one of ${KEY_TYPES.join(', ')} (got ${JSON.stringify(kty)})`);
    if (kty !== 'RSA' && kty !== 'RSA-HSM') throw badParameter(`this emulator creates RSA keys only (kty ${kty})`);
    const keySize = body['key_size'] === undefined ? 2048 : integer(body['key_size'], 'key_size');
    if (![2048, 3072, 4096].includes(keySize)) throw badParameter(`Invalid key size ${keySize}`);
    const publicExponent = body['public_exponent'] === undefined ? 65537 : integer(body['public_exponent'], 'public_exponent');
    if (publicExponent < 3 || publicExponent > INT32_MAX || publicExponent % 2 === 0) throw badParameter(`Invalid public exponent ${publicExponent}`);
    let keyOps = DEFAULT_RSA_OPS;
    if (body['key_ops'] !== undefined) {
      const ops = body['key_ops'];
      if (!Array.isArray(ops) || !ops.every((op): op is string => typeof op === 'string' && KEY_OPERATIONS.includes(op))) {
        throw badParameter(`Property key_ops must be an array of ${KEY_OPERATIONS.join(', ')}`);
      }
      keyOps = [...new Set(ops)];
    }
    const attributes = body['attributes'] ?? {};
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) throw badParameter('Property attributes must be an object');
    const attr = attributes as Record<string, unknown>;
    if (attr['enabled'] !== undefined && typeof attr['enabled'] !== 'boolean') throw badParameter('Property attributes.enabled must be a boolean');
    if (attr['exportable'] !== undefined && typeof attr['exportable'] !== 'boolean') throw badParameter('Property attributes.exportable must be a boolean');
    if (body['release_policy'] !== undefined) throw new KvError(501, 'NotImplemented', 'release_policy (key release) is not implemented by the Stackyard Key Vault emulator');
    if (attr['exportable'] === true) throw badParameter('Release policy must be provided when creating the first version of an exportable key.');
    const tags = body['tags'];
    if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags) || !Object.values(tags).every((v) => typeof v === 'string'))) {
      throw badParameter('Property tags must be an object of strings');
    }
    return generate(name, {
      kty,
      keySize,
      publicExponent,
      keyOps,
      enabled: attr['enabled'] !== false,
      ...(attr['nbf'] === undefined ? {} : { nbf: integer(attr['nbf'], 'attributes.nbf') }),
      ...(attr['exp'] === undefined ? {} : { exp: integer(attr['exp'], 'attributes.exp') }),
      ...(tags === undefined ? {} : { tags: { ...(tags as Record<string, string>) } }),
    });
  };
  const find = (name: string, version: string | undefined): KeyVersion => {
    const versions = keys.get(name);
    const found = version ? versions?.find((v) => v.version === version) : versions?.[versions.length - 1];
    if (!found) throw new KvError(404, 'KeyNotFound', `A key with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`);
    return found;
  };
  const padding = (alg: unknown): { padding: number; oaepHash?: string } => {
    if (typeof alg !== 'string' || !ENCRYPTION_ALGORITHMS.includes(alg)) throw badParameter(`Property alg must be one of ${ENCRYPTION_ALGORITHMS.join(', ')} (got ${JSON.stringify(alg)})`);
    switch (alg) {
      case 'RSA-OAEP-256':
        return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
      case 'RSA-OAEP':
        return { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
      case 'RSA1_5':
        return { padding: constants.RSA_PKCS1_PADDING };
      default:
        throw badParameter(`Algorithm ${alg} is not supported for RSA keys`);
    }
  };
  const valueOf = (body: Record<string, unknown>): Buffer => {
    const value = body['value'];
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) throw badParameter('Property value is required and must be base64url');
    return Buffer.from(value, 'base64url');
  };
  /** KeyOperationsParameters (required: alg, value) → KeyOperationResult. */
  const keyOperation =
    (op: 'wrapKey' | 'unwrapKey' | 'encrypt' | 'decrypt'): Handler =>
    ([name, version], body) => {
      const key = find(name, version || undefined);
      const now = Math.floor(Date.now() / 1000);
      if (!key.keyOps.includes(op)) throw new KvError(403, 'Forbidden', `Operation ${op} is not permitted on this key.`);
      if (!key.enabled) throw new KvError(403, 'Forbidden', `Operation ${op} is not allowed on a disabled key.`);
      if ((key.nbf !== undefined && now < key.nbf) || (key.exp !== undefined && now >= key.exp)) throw new KvError(403, 'Forbidden', `Operation ${op} is not allowed outside the key's nbf/exp window.`);
      const params = requireBody(body);
      const pad = padding(params['alg']);
      const value = valueOf(params);
      let out: Buffer;
      try {
        out = op === 'wrapKey' || op === 'encrypt' ? publicEncrypt({ key: key.privateKey, ...pad }, value) : privateDecrypt({ key: key.privateKey, ...pad }, value);
      } catch {
        throw badParameter('The parameter is incorrect.');
      }
      return { kid: kidOf(name, key), value: out.toString('base64url') };
    };

  const NAME = '([^/]+)';
  const VERSION = '(?:/([^/]*))?';
  const route = (method: string, path: string, operationId: string, handler?: Handler): Route => ({ method, path: new RegExp(`^${path}$`, 'i'), operationId, handler });
  // Every path and method of keys.json (2025-07-01), in an order that keeps the fixed segments
  // (create, rotate, backup, versions, rotationpolicy, restore) from being read as key versions.
  const routes: Route[] = [
    route('GET', '/keys/?', 'GetKeys'),
    route('POST', '/keys/restore', 'RestoreKey'),
    route('POST', `/keys/${NAME}/create`, 'CreateKey', ([name], body) => bundle(name, createKey(keyName(name), requireBody(body)))),
    route('POST', `/keys/${NAME}/rotate`, 'RotateKey', ([name]) => {
      const latest = find(keyName(name), undefined);
      const { kty, keySize, publicExponent, keyOps, tags } = latest;
      return bundle(name, generate(name, { kty, keySize, publicExponent, keyOps, enabled: true, ...(tags ? { tags } : {}) }));
    }),
    route('POST', `/keys/${NAME}/backup`, 'BackupKey'),
    route('GET', `/keys/${NAME}/versions`, 'GetKeyVersions'),
    route('GET', `/keys/${NAME}/rotationpolicy`, 'GetKeyRotationPolicy'),
    route('PUT', `/keys/${NAME}/rotationpolicy`, 'UpdateKeyRotationPolicy'),
    route('PUT', `/keys/${NAME}`, 'ImportKey'),
    route('DELETE', `/keys/${NAME}`, 'DeleteKey'),
    route('GET', `/keys/${NAME}${VERSION}`, 'GetKey', ([name, version]) => bundle(name, find(name, version || undefined))),
    route('PATCH', `/keys/${NAME}/([^/]+)`, 'UpdateKey'),
    route('GET', `/keys/${NAME}${VERSION}/attestation`, 'GetKeyAttestation'),
    route('POST', `/keys/${NAME}${VERSION}/wrapkey`, 'wrapKey', keyOperation('wrapKey')),
    route('POST', `/keys/${NAME}${VERSION}/unwrapkey`, 'unwrapKey', keyOperation('unwrapKey')),
    route('POST', `/keys/${NAME}${VERSION}/encrypt`, 'encrypt', keyOperation('encrypt')),
    route('POST', `/keys/${NAME}${VERSION}/decrypt`, 'decrypt', keyOperation('decrypt')),
    route('POST', `/keys/${NAME}${VERSION}/sign`, 'sign'),
    route('POST', `/keys/${NAME}${VERSION}/verify`, 'verify'),
    route('POST', `/keys/${NAME}${VERSION}/release`, 'release'),
    route('GET', '/deletedkeys/?', 'GetDeletedKeys'),
    route('GET', `/deletedkeys/${NAME}`, 'GetDeletedKey'),
    route('DELETE', `/deletedkeys/${NAME}`, 'PurgeDeletedKey'),
    route('POST', `/deletedkeys/${NAME}/recover`, 'RecoverDeletedKey'),
    route('POST', '/rng', 'GetRandomBytes'),
  ];

  const dispatch = (method: string, path: string, body: Body): Record<string, unknown> => {
    let pathKnown = false;
    for (const candidate of routes) {
      const match = candidate.path.exec(path);
      if (!match) continue;
      pathKnown = true;
      if (candidate.method !== method) continue;
      if (!candidate.handler) throw new KvError(501, 'NotImplemented', `${candidate.operationId} (${method} ${path}) is not implemented by the Stackyard Key Vault emulator`);
      let params: string[];
      try {
        params = match.slice(1).map((part) => (part === undefined ? '' : decodeURIComponent(part)));
      } catch {
        throw badParameter(`The path ${path} is not valid percent-encoding`);
      }
      return candidate.handler(params, body);
    }
    if (pathKnown) throw new KvError(405, 'MethodNotAllowed', `The method ${method} is not allowed on ${path}`);
    throw new KvError(404, 'NotFound', `No operation of the Key Vault keys API answers ${method} ${path}`);
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
        // Before anything else, as Key Vault does: the SDK's first request of a client carries no
        // token and no body, only to fetch this challenge.
        if (req.headers.authorization !== `Bearer ${token}`) {
          const message = req.headers.authorization ? 'The bearer token is not valid for this vault.' : 'AKV10000: Request is missing a Bearer or PoP token.';
          send(401, { error: { code: 'Unauthorized', message } }, { 'www-authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"' });
          return;
        }
        if (!url.searchParams.get('api-version')) throw badParameter('The api-version query parameter is missing');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Body;
        if (raw.trim()) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            throw badParameter('The request body is not JSON');
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badParameter('The request body must be a JSON object');
          body = parsed as Record<string, unknown>;
        }
        send(200, dispatch((req.method ?? 'GET').toUpperCase(), url.pathname, body));
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
