import { Inject, Injectable } from '@nestjs/common';
import type { InternalClient } from '@stackyard/shared-http';
import {
  type DecryptValuesRequest,
  type DecryptValuesResponse,
  type EncryptValuesRequest,
  type EncryptValuesResponse,
  type ObjectKeyRequest,
  type ObjectKeyResponse,
  secretsDecryptPath,
  secretsEncryptPath,
  secretsObjectKeyPath,
} from '@stackyard/shared-contracts';

export const SECRETS_CLIENT = Symbol('SecretsClient');

/** Values per call to the secrets service (it refuses larger batches); bigger CLI batches are split. */
const CHUNK = 5_000;

async function inChunks(values: string[], call: (chunk: string[]) => Promise<string[]>): Promise<string[]> {
  if (values.length <= CHUNK) return call(values);
  const out: string[] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(...(await call(values.slice(i, i + CHUNK))));
  return out;
}

/** The secrets service, which alone holds the stacks' data keys. */
@Injectable()
export class SecretsGateway {
  constructor(@Inject(SECRETS_CLIENT) private readonly client: InternalClient) {}

  async encrypt(stackId: string, plaintexts: string[], requestId?: string): Promise<string[]> {
    if (plaintexts.length === 0) return [];
    return inChunks(plaintexts, async (chunk) => {
      const res = await this.client.post<EncryptValuesResponse>(secretsEncryptPath(stackId), { plaintexts: chunk } satisfies EncryptValuesRequest, requestId);
      return res.ciphertexts;
    });
  }

  async decrypt(stackId: string, ciphertexts: string[], requestId?: string): Promise<string[]> {
    if (ciphertexts.length === 0) return [];
    return inChunks(ciphertexts, async (chunk) => {
      const res = await this.client.post<DecryptValuesResponse>(secretsDecryptPath(stackId), { ciphertexts: chunk } satisfies DecryptValuesRequest, requestId);
      return res.plaintexts;
    });
  }

  /**
   * The stack's object-storage key of `keyVersion` (the newest when undefined), derived by the
   * secrets service from the stack's data key. The answer is key material: never log it.
   */
  async objectKey(stackId: string, keyVersion?: number, requestId?: string): Promise<ObjectKeyResponse> {
    const body: ObjectKeyRequest = keyVersion === undefined ? {} : { keyVersion };
    return this.client.post<ObjectKeyResponse>(secretsObjectKeyPath(stackId), body, requestId);
  }
}
