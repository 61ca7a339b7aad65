import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import { KeyUnwrapError, type KeyProvider, type WrappedKey } from '@stackyard/secrets-domain';
import { crc32c } from './crc32c';
import { describeError, unavailable } from './provider-errors';

export interface GcpKmsKeyProviderOptions {
  /** `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`, a symmetric ENCRYPT_DECRYPT key. */
  cryptoKey: string;
  /** The gRPC host (e.g. `cloudkms.googleapis.com` or a private endpoint); always explicit. */
  apiEndpoint: string;
  port?: number;
  /**
   * `insecure`: plaintext gRPC, for an emulator on loopback only. Otherwise TLS (optionally with a
   * private CA) and an explicit service-account key, so the client never looks up Application
   * Default Credentials or the metadata server.
   */
  transport: 'insecure' | { ca?: Buffer; credentials: { client_email: string; private_key: string }; projectId: string };
  timeoutMs?: number;
}

/** gRPC codes meaning "this ciphertext does not open under this key" (not "KMS is unreachable"). */
const UNWRAP_REFUSALS = new Set([grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION, grpc.status.PERMISSION_DENIED]);

/**
 * Wraps data keys with Cloud KMS Encrypt/Decrypt; the context is the additional authenticated
 * data. CRC32C integrity fields are sent and checked both ways, as Google recommends.
 *
 * Key reference: `keyId` is `gcp-kms:<cryptoKey name>`, `keyVersion` the CryptoKeyVersion that
 * encrypted (KMS names it in the Encrypt answer). Rotation (a new primary version) raises the
 * version; old ciphertexts name their version themselves and keep decrypting while it is enabled.
 */
export class GcpKmsKeyProvider implements KeyProvider {
  readonly keyId: string;
  private version = 1;
  private readonly client: KeyManagementServiceClient;
  private readonly callOptions: { timeout: number; retry: null };

  constructor(private readonly options: GcpKmsKeyProviderOptions) {
    if (!/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(options.cryptoKey)) {
      throw new Error(`GCP KMS cryptoKey must look like projects/P/locations/L/keyRings/R/cryptoKeys/K (got ${options.cryptoKey})`);
    }
    this.keyId = `gcp-kms:${options.cryptoKey}`;
    this.callOptions = { timeout: options.timeoutMs ?? 10_000, retry: null };
    const transport = options.transport;
    // An explicit universe domain stops google-auth-library from asking the GCE metadata server
    // for one (it does so even with insecure channel credentials); explicit credentials stop ADC.
    this.client =
      transport === 'insecure'
        ? new KeyManagementServiceClient({ apiEndpoint: options.apiEndpoint, port: options.port ?? 443, sslCreds: grpc.credentials.createInsecure(), projectId: 'unused', universeDomain: 'googleapis.com', fallback: false })
        : new KeyManagementServiceClient({
            apiEndpoint: options.apiEndpoint,
            port: options.port ?? 443,
            projectId: transport.projectId,
            universeDomain: 'googleapis.com',
            credentials: transport.credentials,
            ...(transport.ca ? { sslCreds: grpc.credentials.createSsl(transport.ca) } : {}),
            fallback: false,
          });
  }

  get keyVersion(): number {
    return this.version;
  }

  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    const aad = Buffer.from(context, 'utf8');
    let response;
    try {
      [response] = await this.client.encrypt(
        { name: this.options.cryptoKey, plaintext: plaintextKey, additionalAuthenticatedData: aad, plaintextCrc32c: { value: crc32c(plaintextKey) }, additionalAuthenticatedDataCrc32c: { value: crc32c(aad) } },
        this.callOptions,
      );
    } catch (error) {
      throw unavailable('gcp-kms', error);
    }
    const ciphertext = Buffer.from(response.ciphertext ?? []);
    if (!response.verifiedPlaintextCrc32c || !response.verifiedAdditionalAuthenticatedDataCrc32c) throw unavailable('gcp-kms', 'Encrypt did not verify the request checksums');
    if (Number(response.ciphertextCrc32c?.value) !== crc32c(ciphertext)) throw unavailable('gcp-kms', 'Encrypt answered a ciphertext whose CRC32C does not match (corrupted in transit)');
    this.version = versionOf(response.name, this.options.cryptoKey);
    return { keyId: this.keyId, keyVersion: this.version, wrapped: ciphertext };
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    if (wrapped.keyId !== this.keyId) throw new KeyUnwrapError(`wrapped by ${wrapped.keyId}, but the configured key is ${this.keyId}`);
    if (wrapped.wrapped.length === 0) throw new KeyUnwrapError('the wrapped key is empty');
    const aad = Buffer.from(context, 'utf8');
    let response;
    try {
      [response] = await this.client.decrypt(
        { name: this.options.cryptoKey, ciphertext: wrapped.wrapped, additionalAuthenticatedData: aad, ciphertextCrc32c: { value: crc32c(wrapped.wrapped) }, additionalAuthenticatedDataCrc32c: { value: crc32c(aad) } },
        this.callOptions,
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number' && UNWRAP_REFUSALS.has(code)) throw new KeyUnwrapError(`GCP KMS refused to decrypt: ${describeError(error)}`);
      throw unavailable('gcp-kms', error);
    }
    const plaintext = Buffer.from(response.plaintext ?? []);
    if (Number(response.plaintextCrc32c?.value) !== crc32c(plaintext)) throw unavailable('gcp-kms', 'Decrypt answered a plaintext whose CRC32C does not match (corrupted in transit)');
    return plaintext;
  }

  async check(): Promise<void> {
    let key;
    try {
      [key] = await this.client.getCryptoKey({ name: this.options.cryptoKey }, this.callOptions);
    } catch (error) {
      throw unavailable('gcp-kms', error);
    }
    if (key.purpose !== 'ENCRYPT_DECRYPT') throw unavailable('gcp-kms', `${this.options.cryptoKey} is a ${String(key.purpose)} key, not ENCRYPT_DECRYPT`);
    if (key.primary?.state !== 'ENABLED') throw unavailable('gcp-kms', `the primary version of ${this.options.cryptoKey} is ${String(key.primary?.state)}`);
    this.version = versionOf(key.primary.name, this.options.cryptoKey);
  }

  /** A new CryptoKeyVersion made primary; needs cloudkms.cryptoKeyVersions.create and cryptoKeys.update. */
  async rotate(): Promise<void> {
    try {
      const [created] = await this.client.createCryptoKeyVersion({ parent: this.options.cryptoKey, cryptoKeyVersion: {} }, this.callOptions);
      const id = String(versionOf(created.name, this.options.cryptoKey));
      await this.client.updateCryptoKeyPrimaryVersion({ name: this.options.cryptoKey, cryptoKeyVersionId: id }, this.callOptions);
    } catch (error) {
      throw unavailable('gcp-kms', error);
    }
    await this.check();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function versionOf(versionName: string | null | undefined, cryptoKey: string): number {
  const match = /^(.+)\/cryptoKeyVersions\/(\d+)$/.exec(versionName ?? '');
  if (!match || match[1] !== cryptoKey) throw unavailable('gcp-kms', `unexpected key version name ${String(versionName)} for ${cryptoKey}`);
  return Number(match[2]);
}
