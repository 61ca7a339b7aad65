import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EnvelopeError, isValidStackId, readEnvelopeHeader } from '@stackyard/secrets-domain';
import type { DecryptValuesResponse, EncryptValuesResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { DataKeyService } from './data-key.service';
import { parseDecryptRequest, parseEncryptRequest } from './secret-values.dto';
import { ValueCipherPool } from './value-cipher-pool';

/** Encrypts and decrypts a stack's secret values with the stack's data key (see value-envelope.ts). */
@Injectable()
export class SecretValuesService {
  constructor(
    private readonly dataKeys: DataKeyService,
    private readonly cipher: ValueCipherPool,
  ) {}

  async encrypt(stackId: string, body: unknown): Promise<EncryptValuesResponse> {
    checkStackId(stackId);
    const { plaintexts } = parseEncryptRequest(body);
    if (plaintexts.length === 0) return { ciphertexts: [] };
    const { key, version } = await this.dataKeys.forEncrypt(stackId);
    const sealed = await this.cipher.seal(stackId, key, version, plaintexts.map((p) => Buffer.from(p, 'base64')));
    return { ciphertexts: sealed.map((envelope) => envelope.toString('base64')) };
  }

  async decrypt(stackId: string, body: unknown): Promise<DecryptValuesResponse> {
    checkStackId(stackId);
    const { ciphertexts } = parseDecryptRequest(body);
    if (ciphertexts.length === 0) return { plaintexts: [] };
    const envelopes = ciphertexts.map((c) => Buffer.from(c, 'base64'));
    const keys = await this.keysFor(stackId, envelopes);
    const outcome = await this.cipher.open(stackId, keys, envelopes);
    if (!outcome.ok) {
      const { index, reason } = outcome;
      if (reason === 'unknown-key-version') {
        const { keyVersion } = readEnvelopeHeader(envelopes[index]);
        throw ApiError.badRequest(`stack '${stackId}' has no data key v${keyVersion}: nothing was encrypted with it for this stack, so ciphertexts[${index}] belongs elsewhere`);
      }
      throw ApiError.badRequest(`ciphertexts[${index}] cannot be decrypted for this stack (${reason}): it is corrupted or was encrypted for another stack`);
    }
    return { plaintexts: outcome.values.map((plaintext) => plaintext.toString('base64')) };
  }

  /**
   * The stack's data keys for every version the envelopes name; a batch may span several after a
   * rotation. One lookup per distinct version (cached), never one per value, in the order the
   * versions first appear, stopping at the first the stack does not have: the batch fails there at
   * the latest, and a forged batch naming thousands of versions costs one lookup, not thousands.
   * Envelopes too short to name a version are left to fail where they are opened, with their index.
   */
  private async keysFor(stackId: string, envelopes: Buffer[]): Promise<Map<number, KeyObject>> {
    const versions = new Set<number>();
    for (const envelope of envelopes) {
      try {
        versions.add(readEnvelopeHeader(envelope).keyVersion);
      } catch (error) {
        if (!(error instanceof EnvelopeError)) throw error;
      }
    }
    const keys = new Map<number, KeyObject>();
    for (const version of versions) {
      const dataKey = await this.dataKeys.forDecrypt(stackId, version);
      if (!dataKey) break;
      keys.set(version, dataKey.key);
    }
    return keys;
  }
}

function checkStackId(stackId: string): void {
  if (!isValidStackId(stackId)) throw ApiError.badRequest('stack id must be 1–64 letters, digits, "-" or "_"');
}
