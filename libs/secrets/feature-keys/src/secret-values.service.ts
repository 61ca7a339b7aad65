import { Injectable } from '@nestjs/common';
import { EnvelopeError, freshNonces, isValidStackId, openValue, readEnvelopeHeader, sealValue } from '@stackyard/secrets-domain';
import type { DecryptValuesResponse, EncryptValuesResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { type DataKey, DataKeyService } from './data-key.service';
import { parseDecryptRequest, parseEncryptRequest } from './secret-values.dto';

/** Encrypts and decrypts a stack's secret values with the stack's data key (see value-envelope.ts). */
@Injectable()
export class SecretValuesService {
  constructor(private readonly dataKeys: DataKeyService) {}

  async encrypt(stackId: string, body: unknown): Promise<EncryptValuesResponse> {
    checkStackId(stackId);
    const { plaintexts } = parseEncryptRequest(body);
    if (plaintexts.length === 0) return { ciphertexts: [] };
    const { key, version } = await this.dataKeys.forEncrypt(stackId);
    const nonces = freshNonces(plaintexts.length);
    return { ciphertexts: plaintexts.map((p, i) => sealValue(key, version, stackId, Buffer.from(p, 'base64'), nonces[i]).toString('base64')) };
  }

  async decrypt(stackId: string, body: unknown): Promise<DecryptValuesResponse> {
    checkStackId(stackId);
    const { ciphertexts } = parseDecryptRequest(body);
    if (ciphertexts.length === 0) return { plaintexts: [] };
    const envelopes = ciphertexts.map((c) => Buffer.from(c, 'base64'));
    // Each envelope names the data-key version that sealed it; a batch may span several after a
    // rotation. One lookup per distinct version (cached), never one per value.
    const keys = new Map<number, DataKey | undefined>();
    const plaintexts: string[] = [];
    for (const [index, envelope] of envelopes.entries()) {
      try {
        const { keyVersion } = readEnvelopeHeader(envelope);
        if (!keys.has(keyVersion)) keys.set(keyVersion, await this.dataKeys.forDecrypt(stackId, keyVersion));
        const dataKey = keys.get(keyVersion);
        if (!dataKey) {
          throw ApiError.badRequest(`stack '${stackId}' has no data key v${keyVersion}: nothing was encrypted with it for this stack, so ciphertexts[${index}] belongs elsewhere`);
        }
        plaintexts.push(openValue(dataKey.key, dataKey.version, stackId, envelope).toString('base64'));
      } catch (error) {
        if (error instanceof EnvelopeError) {
          throw ApiError.badRequest(`ciphertexts[${index}] cannot be decrypted for this stack (${error.reason}): it is corrupted or was encrypted for another stack`);
        }
        throw error;
      }
    }
    return { plaintexts };
  }
}

function checkStackId(stackId: string): void {
  if (!isValidStackId(stackId)) throw ApiError.badRequest('stack id must be 1–64 letters, digits, "-" or "_"');
}
