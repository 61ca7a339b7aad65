import { Inject, Injectable } from '@nestjs/common';
import type { InternalClient } from '@stackyard/shared-http';
import {
  type DecryptValuesRequest,
  type DecryptValuesResponse,
  type EncryptValuesRequest,
  type EncryptValuesResponse,
  secretsDecryptPath,
  secretsEncryptPath,
} from '@stackyard/shared-contracts';

export const SECRETS_CLIENT = Symbol('SecretsClient');

/** The secrets service, which alone holds the stacks' data keys. */
@Injectable()
export class SecretsGateway {
  constructor(@Inject(SECRETS_CLIENT) private readonly client: InternalClient) {}

  async encrypt(stackId: string, plaintexts: string[], requestId?: string): Promise<string[]> {
    if (plaintexts.length === 0) return [];
    const res = await this.client.post<EncryptValuesResponse>(secretsEncryptPath(stackId), { plaintexts } satisfies EncryptValuesRequest, requestId);
    return res.ciphertexts;
  }

  async decrypt(stackId: string, ciphertexts: string[], requestId?: string): Promise<string[]> {
    if (ciphertexts.length === 0) return [];
    const res = await this.client.post<DecryptValuesResponse>(secretsDecryptPath(stackId), { ciphertexts } satisfies DecryptValuesRequest, requestId);
    return res.plaintexts;
  }
}
