import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { CryptographyClient, KeyClient, type KeyVaultKey } from '@azure/keyvault-keys';
import { encodeAad, KeyUnwrapError, type KeyProvider, type WrappedKey } from '@stackyard/secrets-domain';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { describeError, unavailable } from './provider-errors';

export interface AzureKeyVaultKeyProviderOptions {
  /** `https://<vault>.vault.azure.net` (or a private endpoint); always explicit. */
  vaultUrl: string;
  /** An RSA key allowing wrapKey and unwrapKey. */
  keyName: string;
  /**
   * How requests are authorised: any TokenCredential (e.g. a workload-identity credential made by
   * the caller). Nothing here falls back to DefaultAzureCredential or the instance metadata service.
   */
  credential: TokenCredential;
  /** PEM of a private CA for the vault's certificate (the system roots are used otherwise). */
  caPem?: string;
  /** Skip checking that the bearer challenge names a `*.vault.azure.net` resource (private endpoints, emulators). */
  disableChallengeResourceVerification?: boolean;
  timeoutMs?: number;
}

/** A credential that returns one pre-obtained bearer token (tests, or tokens minted elsewhere). */
export function staticTokenCredential(token: string, expiresInMs = 3_600_000): TokenCredential {
  return { getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp: Date.now() + expiresInMs }) };
}

const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CEK_BYTES = 32;
const ALGORITHM = 'RSA-OAEP-256';

/**
 * Wraps data keys with an Azure Key Vault RSA key. Key Vault's wrapKey has no associated data, so
 * the context is authenticated locally, the way envelope encryption usually does it: a fresh
 * AES-256 key (the CEK) seals the data key with AES-256-GCM whose AAD is (key id, context), and
 * Key Vault wraps the CEK with RSA-OAEP-256. Wrapped bytes:
 *   0x01 ‖ len(wrapped CEK) u16 ‖ wrapped CEK ‖ nonce (12) ‖ sealed data key ‖ tag (16)
 * A different context, or any changed byte, fails either Key Vault's OAEP check or the GCM tag.
 * The private key never leaves Key Vault; the CEK exists in memory only during one call.
 *
 * Key reference: `keyId` is `azure-keyvault:<versioned key id>` (Key Vault versions are opaque
 * strings, so the version lives in the id) and `keyVersion` is always 1. Rotation (a new key
 * version) gives new wraps a new keyId; older versions keep unwrapping while enabled.
 */
export class AzureKeyVaultKeyProvider implements KeyProvider {
  readonly keyVersion = 1;
  private readonly keys: KeyClient;
  private readonly clientOptions: ConstructorParameters<typeof KeyClient>[2];
  private readonly crypto = new Map<string, CryptographyClient>();
  private current: string;
  private readonly keyPrefix: string;

  constructor(private readonly options: AzureKeyVaultKeyProviderOptions) {
    const vaultUrl = options.vaultUrl.replace(/\/+$/, '');
    if (!/^https:\/\//.test(vaultUrl)) throw new Error(`Azure Key Vault URL must be https (got ${options.vaultUrl})`);
    this.keyPrefix = `${vaultUrl}/keys/${options.keyName}/`;
    this.current = `${vaultUrl}/keys/${options.keyName}`;
    this.clientOptions = {
      disableChallengeResourceVerification: options.disableChallengeResourceVerification ?? false,
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 },
      // Our own agent: the CA we were given, and (because a request with an agent is never
      // routed by the pipeline's proxy policy) no HTTPS_PROXY from the environment.
      agent: new Agent({ keepAlive: true, ...(options.caPem ? { ca: options.caPem } : {}) }),
      userAgentOptions: { userAgentPrefix: 'stackyard-secrets' },
    };
    this.keys = new KeyClient(vaultUrl, options.credential, this.clientOptions);
  }

  get keyId(): string {
    return `azure-keyvault:${this.current}`;
  }

  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    let key: KeyVaultKey;
    let wrappedCek: Uint8Array;
    const cek = randomBytes(CEK_BYTES);
    try {
      key = await this.keys.getKey(this.options.keyName, this.callOptions());
      const kid = this.versionedId(key);
      const result = await this.cryptoFor(kid, key).wrapKey(ALGORITHM, cek, this.callOptions());
      wrappedCek = result.result;
    } catch (error) {
      cek.fill(0);
      throw unavailable('azure-keyvault', error);
    }
    const kid = this.versionedId(key);
    this.current = kid;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', cek, nonce, { authTagLength: TAG_BYTES });
    cek.fill(0);
    cipher.setAAD(encodeAad('stackyard/azure-keyvault-wrap', kid, context));
    const sealed = Buffer.concat([cipher.update(plaintextKey), cipher.final()]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(wrappedCek.length, 0);
    return { keyId: `azure-keyvault:${kid}`, keyVersion: 1, wrapped: Buffer.concat([Buffer.of(FORMAT_V1), length, wrappedCek, nonce, sealed, cipher.getAuthTag()]) };
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    const kid = wrapped.keyId.startsWith('azure-keyvault:') ? wrapped.keyId.slice('azure-keyvault:'.length) : '';
    if (!kid.startsWith(this.keyPrefix) || !/^[0-9A-Za-z]+$/.test(kid.slice(this.keyPrefix.length)) || wrapped.keyVersion !== 1) {
      throw new KeyUnwrapError(`wrapped by ${wrapped.keyId} v${wrapped.keyVersion}, not by a version of ${this.keyPrefix.slice(0, -1)}`);
    }
    const bytes = wrapped.wrapped;
    if (bytes.length < 3 || bytes[0] !== FORMAT_V1) throw new KeyUnwrapError('not an Azure Key Vault wrapped key (format byte)');
    const cekLength = bytes.readUInt16BE(1);
    const bodyStart = 3 + cekLength;
    if (bytes.length < bodyStart + NONCE_BYTES + TAG_BYTES) throw new KeyUnwrapError('the wrapped key is truncated');
    let cek: Buffer;
    try {
      const result = await this.cryptoFor(kid).unwrapKey(ALGORITHM, bytes.subarray(3, bodyStart), this.callOptions());
      cek = Buffer.from(result.result);
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      // 400: OAEP decoding failed (wrong key or altered bytes); 404: that key version does not exist.
      if (status === 400 || status === 404) throw new KeyUnwrapError(`Azure Key Vault refused to unwrap: ${describeError(error)}`);
      throw unavailable('azure-keyvault', error);
    }
    if (cek.length !== CEK_BYTES) throw new KeyUnwrapError('the unwrapped content key has the wrong length');
    try {
      const decipher = createDecipheriv('aes-256-gcm', cek, bytes.subarray(bodyStart, bodyStart + NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(encodeAad('stackyard/azure-keyvault-wrap', kid, context));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(bodyStart + NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new KeyUnwrapError('the wrapped key does not authenticate for this context');
    } finally {
      cek.fill(0);
    }
  }

  async check(): Promise<void> {
    let key: KeyVaultKey;
    try {
      key = await this.keys.getKey(this.options.keyName, this.callOptions());
    } catch (error) {
      throw unavailable('azure-keyvault', error);
    }
    if (key.keyType !== 'RSA' && key.keyType !== 'RSA-HSM') throw unavailable('azure-keyvault', `${this.options.keyName} is a ${String(key.keyType)} key, not RSA`);
    if (key.properties.enabled === false) throw unavailable('azure-keyvault', `${this.options.keyName} is disabled`);
    const ops = key.keyOperations ?? [];
    if (!ops.includes('wrapKey') || !ops.includes('unwrapKey')) throw unavailable('azure-keyvault', `${this.options.keyName} does not allow wrapKey and unwrapKey (allows ${ops.join(', ')})`);
    this.current = this.versionedId(key);
  }

  /** Key Vault's `rotate` (a new version of the same key); needs the `rotate` key permission. */
  async rotate(): Promise<void> {
    try {
      this.current = this.versionedId(await this.keys.rotateKey(this.options.keyName, this.callOptions()));
    } catch (error) {
      throw unavailable('azure-keyvault', error);
    }
  }

  private versionedId(key: KeyVaultKey): string {
    const id = key.id ?? '';
    if (!id.startsWith(this.keyPrefix) || id.length === this.keyPrefix.length) throw unavailable('azure-keyvault', `Key Vault answered key id ${id}, expected ${this.keyPrefix}<version>`);
    return id;
  }

  /** One client per key version; given the key itself, it needs no extra GET before wrapping. */
  private cryptoFor(kid: string, key?: KeyVaultKey): CryptographyClient {
    let client = this.crypto.get(kid);
    if (!client) {
      client = new CryptographyClient(key ?? kid, this.options.credential, this.clientOptions);
      if (this.crypto.size > 64) this.crypto.clear();
      this.crypto.set(kid, client);
    }
    return client;
  }

  private callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) };
  }
}
