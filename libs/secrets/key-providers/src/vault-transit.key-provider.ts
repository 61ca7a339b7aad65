import { KeyProviderUnavailableError, KeyUnwrapError, type KeyProvider, type WrappedKey } from '@stackyard/secrets-domain';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import NodeVault from 'node-vault';
import { describeError, unavailable } from './provider-errors';

/** One HTTP exchange as node-vault performs it (its `request-promise` seam). */
export interface VaultHttpRequest {
  method: string;
  uri: string;
  headers: Record<string, string>;
  json?: unknown;
}
export interface VaultHttpResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}
export type VaultTransport = (request: VaultHttpRequest) => Promise<VaultHttpResponse>;

export type VaultAuth =
  | { method: 'token'; token: string }
  | {
      /** Vault's Kubernetes auth: the pod's service-account JWT is exchanged for a Vault token. */
      method: 'kubernetes';
      role: string;
      /** The JWT, or a function reading it (e.g. from /var/run/secrets/kubernetes.io/serviceaccount/token, which rotates). */
      jwt: string | (() => string);
      /** Mount path of the auth method (default `kubernetes`). */
      mount?: string;
    };

export interface VaultTransitKeyProviderOptions {
  /** `https://vault.example:8200`; always explicit (VAULT_ADDR and other VAULT_* variables are ignored). */
  endpoint: string;
  /** The Transit mount (default `transit`). */
  mount?: string;
  keyName: string;
  auth: VaultAuth;
  /** Vault Enterprise / OpenBao namespace. */
  namespace?: string;
  /** PEM of a private CA for Vault's certificate. */
  caPem?: string;
  timeoutMs?: number;
  /** Replaces the HTTP transport (unit tests). */
  transport?: VaultTransport;
}

/** Transit key types that are AEAD, i.e. accept `associated_data`. */
const AEAD_TYPES = new Set(['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305']);

interface ApiError {
  response?: { statusCode?: number; body?: unknown };
}

/**
 * Wraps data keys with Vault (or OpenBao) Transit through node-vault: `encrypt`/`decrypt` with
 * `associated_data` = the context, under an AEAD key (aes256-gcm96 by default in Vault).
 *
 * Key reference: `keyId` is `vault-transit:<mount>/<key>`, `keyVersion` the Transit key version
 * (the `vault:vN:` prefix). The wrapped bytes are the decoded ciphertext (nonce ‖ ct ‖ tag); the
 * prefix is rebuilt from keyVersion on unwrap. After `transit/keys/<k>/rotate`, new wraps carry
 * the new version and old ones keep decrypting down to the key's min_decryption_version.
 *
 * Auth: a static token, or Kubernetes auth (`auth/<mount>/login` with role and JWT), logging in
 * lazily and again once when Vault answers 403 (an expired token).
 */
export class VaultTransitKeyProvider implements KeyProvider {
  readonly keyId: string;
  private version = 1;
  private readonly client: NodeVault.client;
  private readonly mount: string;
  private loggedIn: Promise<void> | undefined;

  constructor(private readonly options: VaultTransitKeyProviderOptions) {
    this.mount = (options.mount ?? 'transit').replace(/^\/+|\/+$/g, '');
    if (!/^[A-Za-z0-9_.-]+$/.test(options.keyName)) throw new Error(`invalid Transit key name ${options.keyName}`);
    this.keyId = `vault-transit:${this.mount}/${options.keyName}`;
    const transport = options.transport ?? nodeTransport(options.timeoutMs ?? 10_000, options.caPem);
    this.client = NodeVault({
      apiVersion: 'v1',
      endpoint: options.endpoint,
      // node-vault's own HTTP stack (axios) would honour HTTP(S)_PROXY and VAULT_SKIP_VERIFY;
      // this seam keeps every request on the configured endpoint with certificate checks on.
      'request-promise': { defaults: () => transport },
      ...(options.auth.method === 'token' ? { token: options.auth.token } : {}),
    });
    // node-vault falls back to VAULT_TOKEN / VAULT_NAMESPACE / VAULT_PREFIX: never take those.
    this.client.token = options.auth.method === 'token' ? options.auth.token : '';
    (this.client as unknown as { namespace?: string }).namespace = options.namespace;
    (this.client as unknown as { pathPrefix: string }).pathPrefix = '';
  }

  get keyVersion(): number {
    return this.version;
  }

  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    let data: { ciphertext?: unknown };
    try {
      data = (await this.call(() =>
        this.client.write(`${this.mount}/encrypt/${this.options.keyName}`, { plaintext: plaintextKey.toString('base64'), associated_data: Buffer.from(context, 'utf8').toString('base64') }),
      )) as { ciphertext?: unknown };
    } catch (error) {
      throw unavailable('vault-transit', error);
    }
    const match = /^vault:v(\d+):([A-Za-z0-9+/]+={0,2})$/.exec(String(data.ciphertext));
    if (!match) throw unavailable('vault-transit', 'encrypt answered an unexpected ciphertext format');
    this.version = Number(match[1]);
    return { keyId: this.keyId, keyVersion: this.version, wrapped: Buffer.from(match[2], 'base64') };
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    if (wrapped.keyId !== this.keyId) throw new KeyUnwrapError(`wrapped by ${wrapped.keyId}, but the configured key is ${this.keyId}`);
    if (!Number.isInteger(wrapped.keyVersion) || wrapped.keyVersion < 1) throw new KeyUnwrapError(`invalid Transit key version ${wrapped.keyVersion}`);
    if (wrapped.wrapped.length === 0) throw new KeyUnwrapError('the wrapped key is empty');
    let data: { plaintext?: unknown };
    try {
      data = (await this.call(() =>
        this.client.write(`${this.mount}/decrypt/${this.options.keyName}`, {
          ciphertext: `vault:v${wrapped.keyVersion}:${wrapped.wrapped.toString('base64')}`,
          associated_data: Buffer.from(context, 'utf8').toString('base64'),
        }),
      )) as { plaintext?: unknown };
    } catch (error) {
      // Transit answers 400 for anything about the ciphertext: authentication failed, bad
      // version, malformed input. Everything else (403, 5xx, network) is about Vault itself.
      if ((error as ApiError).response?.statusCode === 400) throw new KeyUnwrapError(`Vault Transit refused to decrypt: ${describeError(error)}`);
      throw unavailable('vault-transit', error);
    }
    if (typeof data.plaintext !== 'string') throw unavailable('vault-transit', 'decrypt answered without plaintext');
    return Buffer.from(data.plaintext, 'base64');
  }

  async check(): Promise<void> {
    let data: { type?: unknown; latest_version?: unknown; supports_encryption?: unknown; supports_decryption?: unknown };
    try {
      data = (await this.call(() => this.client.read(`${this.mount}/keys/${this.options.keyName}`))) as typeof data;
    } catch (error) {
      throw unavailable('vault-transit', error);
    }
    if (!AEAD_TYPES.has(String(data.type))) throw new KeyProviderUnavailableError('vault-transit', `Transit key ${this.options.keyName} is ${String(data.type)}; an AEAD type (${[...AEAD_TYPES].join(', ')}) is needed to authenticate the context`);
    if (data.supports_encryption === false || data.supports_decryption === false) throw new KeyProviderUnavailableError('vault-transit', `Transit key ${this.options.keyName} does not allow encrypt and decrypt`);
    if (typeof data.latest_version === 'number') this.version = data.latest_version;
  }

  /** `transit/keys/<k>/rotate`: the token needs `update` on that path (the service's own policy need not have it). */
  async rotate(): Promise<void> {
    try {
      await this.call(() => this.client.write(`${this.mount}/keys/${this.options.keyName}/rotate`, {}));
    } catch (error) {
      throw unavailable('vault-transit', error);
    }
    await this.check();
  }

  /** Runs a Vault call, logging in first (Kubernetes auth) and once more after a 403. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.options.auth.method === 'token') return extractData(await operation());
    await this.login(false);
    try {
      return extractData(await operation());
    } catch (error) {
      if ((error as ApiError).response?.statusCode !== 403) throw error;
      await this.login(true);
      return extractData(await operation());
    }
  }

  private login(again: boolean): Promise<void> {
    const auth = this.options.auth;
    if (auth.method !== 'kubernetes') return Promise.resolve();
    if (!this.loggedIn || again) {
      this.loggedIn = (async () => {
        const jwt = typeof auth.jwt === 'function' ? auth.jwt() : auth.jwt;
        const response = (await this.client.kubernetesLogin({ role: auth.role, jwt, mount_point: auth.mount ?? 'kubernetes' })) as { auth?: { client_token?: unknown } };
        if (typeof response.auth?.client_token !== 'string') throw new Error('Kubernetes login answered without auth.client_token');
        this.client.token = response.auth.client_token;
      })();
      this.loggedIn.catch(() => (this.loggedIn = undefined));
    }
    return this.loggedIn;
  }
}

function extractData<T>(response: T): T {
  const data = (response as { data?: unknown } | undefined)?.data;
  return (data ?? response) as T;
}

/** node:http(s) with a timeout, an optional private CA, never a proxy and never without verification. */
function nodeTransport(timeoutMs: number, caPem: string | undefined): VaultTransport {
  const agent = new HttpsAgent({ keepAlive: true, ...(caPem ? { ca: caPem } : {}) });
  return (req) =>
    new Promise<VaultHttpResponse>((resolve, reject) => {
      const url = new URL(req.uri);
      const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json), 'utf8');
      const headers: Record<string, string | number> = { ...req.headers, accept: 'application/json' };
      if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': body.length });
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, { method: req.method, headers, timeout: timeoutMs, ...(url.protocol === 'https:' ? { agent } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Keep the text (Vault answers JSON; a proxy's error page is not).
          }
          resolve({ statusCode: res.statusCode ?? 0, body: parsed, request: { path: url.pathname } });
        });
      });
      request.on('timeout', () => request.destroy(new Error(`no answer from Vault within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
}
