import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { KeyUnwrapError, type KeyProvider, type WrappedKey } from '@stackyard/secrets-domain';
import { unavailable } from './provider-errors';

export interface AwsKmsKeyProviderOptions {
  /** The KMS endpoint, e.g. `https://kms.eu-west-1.amazonaws.com` or a VPC endpoint; always explicit. */
  endpoint: string;
  region: string;
  /** The key-encryption key: key id, key ARN, alias name (`alias/stackyard`) or alias ARN. */
  keyId: string;
  /** Explicit credentials: the SDK's default chain (environment, files, instance metadata) is never used. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs?: number;
}

/** The encryption-context entry that carries our context (KMS authenticates it and logs it in CloudTrail). */
export const AWS_KMS_CONTEXT_KEY = 'stackyard:context';

/** KMS answers that mean "this ciphertext does not open here", as opposed to "KMS cannot be asked". */
// AccessDeniedException is what KMS says for a blob naming a key that does not exist (or that we
// may not use); either way this wrapped key does not open here.
const UNWRAP_REFUSALS = new Set(['AccessDeniedException', 'InvalidCiphertextException', 'IncorrectKeyException', 'NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'ValidationException']);

/**
 * Wraps data keys with AWS KMS Encrypt/Decrypt under a symmetric key; the context is the
 * EncryptionContext `{"stackyard:context": <context>}`, so a wrapped key only decrypts for it.
 *
 * Key reference: `keyId` is `aws-kms:<key ARN>` of the key that actually encrypted (resolved from
 * an alias), and `keyVersion` is always 1, because KMS does not expose its backing-key versions:
 * automatic rotation is transparent (old ciphertexts keep decrypting, no reference changes), and
 * manual rotation (pointing the alias at a new key) shows up as a new keyId.
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly keyVersion = 1;
  private readonly client: KMSClient;
  private currentArn: string | undefined;

  constructor(private readonly options: AwsKmsKeyProviderOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.client = new KMSClient({
      endpoint: options.endpoint,
      region: options.region,
      credentials: { ...options.credentials },
      maxAttempts: 2,
      requestHandler: { connectionTimeout: Math.min(timeout, 3_000), requestTimeout: timeout },
    });
  }

  get keyId(): string {
    return `aws-kms:${this.currentArn ?? this.options.keyId}`;
  }

  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    let out;
    try {
      out = await this.client.send(new EncryptCommand({ KeyId: this.options.keyId, Plaintext: plaintextKey, EncryptionContext: { [AWS_KMS_CONTEXT_KEY]: context } }));
    } catch (error) {
      throw unavailable('aws-kms', error);
    }
    if (!out.CiphertextBlob || !out.KeyId) throw unavailable('aws-kms', 'Encrypt answered without CiphertextBlob or KeyId');
    this.currentArn = out.KeyId;
    return { keyId: `aws-kms:${out.KeyId}`, keyVersion: 1, wrapped: Buffer.from(out.CiphertextBlob) };
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    if (!wrapped.keyId.startsWith('aws-kms:') || wrapped.keyVersion !== 1) throw new KeyUnwrapError(`not an AWS KMS wrapped key (${wrapped.keyId} v${wrapped.keyVersion})`);
    if (wrapped.wrapped.length === 0) throw new KeyUnwrapError('the wrapped key is empty');
    const keyArn = wrapped.keyId.slice('aws-kms:'.length);
    let out;
    try {
      // No KeyId: KMS takes the key from the ciphertext blob itself, and we then require that it
      // is the key recorded with it. (Passing KeyId would be equivalent on AWS, but local-kms then
      // ignores the blob's key identifier, so flipped bytes there would go unnoticed.)
      out = await this.client.send(new DecryptCommand({ CiphertextBlob: wrapped.wrapped, EncryptionContext: { [AWS_KMS_CONTEXT_KEY]: context } }));
    } catch (error) {
      if (error instanceof KMSServiceException && UNWRAP_REFUSALS.has(error.name)) throw new KeyUnwrapError(`AWS KMS refused to decrypt: ${error.name}`);
      throw unavailable('aws-kms', error);
    }
    if (!out.Plaintext) throw unavailable('aws-kms', 'Decrypt answered without Plaintext');
    if (out.KeyId !== keyArn) throw new KeyUnwrapError(`decrypted by ${out.KeyId}, expected ${keyArn}`);
    return Buffer.from(out.Plaintext);
  }

  async check(): Promise<void> {
    let meta;
    try {
      meta = (await this.client.send(new DescribeKeyCommand({ KeyId: this.options.keyId }))).KeyMetadata;
    } catch (error) {
      throw unavailable('aws-kms', error);
    }
    if (!meta?.Arn) throw unavailable('aws-kms', `DescribeKey ${this.options.keyId} answered without an ARN`);
    if (meta.KeyState !== 'Enabled') throw unavailable('aws-kms', `key ${meta.Arn} is ${meta.KeyState}`);
    if (meta.KeyUsage !== 'ENCRYPT_DECRYPT' || meta.KeySpec !== 'SYMMETRIC_DEFAULT') throw unavailable('aws-kms', `key ${meta.Arn} is ${meta.KeySpec}/${meta.KeyUsage}, not a symmetric encryption key`);
    this.currentArn = meta.Arn;
  }

  /** Closes the client's sockets. */
  close(): void {
    this.client.destroy();
  }
}
