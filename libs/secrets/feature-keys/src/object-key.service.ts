import { hkdfSync } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { isValidStackId } from '@stackyard/secrets-domain';
import type { ObjectKeyRequest, ObjectKeyResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { type DataKey, DataKeyService } from './data-key.service';

/** HKDF `info` of the object-storage key: names the purpose, so no other derivation collides. */
export const OBJECT_KEY_INFO = 'stackyard/object-storage/v1';
export const OBJECT_KEY_BYTES = 32;
const MAX_KEY_VERSION = 0xffff_ffff;

/**
 * The api's object-storage key of one stack: HKDF-SHA256 over the stack's data key of a version
 * (salt: the stack id, info: `stackyard/object-storage/v1`). The api seals checkpoints and journal
 * batches with it; the data key itself stays here. The newest version is used (and created, as
 * for encryption) when the request names none; a named version must exist.
 */
@Injectable()
export class ObjectKeyService {
  constructor(private readonly dataKeys: DataKeyService) {}

  async derive(stackId: string, body: unknown): Promise<ObjectKeyResponse> {
    if (!isValidStackId(stackId)) throw ApiError.badRequest('stack id must be 1–64 letters, digits, "-" or "_"');
    const { keyVersion } = parseObjectKeyRequest(body);
    let dataKey: DataKey | undefined;
    if (keyVersion === undefined) {
      dataKey = await this.dataKeys.forEncrypt(stackId);
    } else {
      dataKey = await this.dataKeys.forDecrypt(stackId, keyVersion);
      if (!dataKey) throw ApiError.notFound(`stack '${stackId}' has no data key v${keyVersion}`);
    }
    const derived = Buffer.from(deriveObjectKey(dataKey, stackId));
    try {
      return { keyVersion: dataKey.version, key: derived.toString('base64') };
    } finally {
      derived.fill(0);
    }
  }
}

/** HKDF-SHA256(data key, salt = stack id, info = OBJECT_KEY_INFO), 32 bytes. */
export function deriveObjectKey(dataKey: DataKey, stackId: string): ArrayBuffer {
  return hkdfSync('sha256', dataKey.key, Buffer.from(stackId, 'utf8'), OBJECT_KEY_INFO, OBJECT_KEY_BYTES);
}

export function parseObjectKeyRequest(body: unknown): ObjectKeyRequest {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('request body must be a JSON object');
  const extra = Object.keys(body).filter((k) => k !== 'keyVersion');
  if (extra.length > 0) throw ApiError.badRequest(`unknown field ${JSON.stringify(extra[0])}; the body is {} or {"keyVersion": n}`);
  const keyVersion = (body as Record<string, unknown>)['keyVersion'];
  if (keyVersion === undefined) return {};
  if (typeof keyVersion !== 'number' || !Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > MAX_KEY_VERSION) {
    throw ApiError.badRequest('keyVersion must be an integer from 1 to 4294967295');
  }
  return { keyVersion };
}
