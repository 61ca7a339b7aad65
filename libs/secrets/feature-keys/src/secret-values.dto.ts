import { type DecryptValuesRequest, type EncryptValuesRequest, isStandardBase64 } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';

/** A stack with more secrets than this in one call is split by the caller; it bounds work per request. */
export const MAX_VALUES_PER_REQUEST = 10_000;

export function parseEncryptRequest(body: unknown): EncryptValuesRequest {
  return { plaintexts: base64Array(body, 'plaintexts') };
}

export function parseDecryptRequest(body: unknown): DecryptValuesRequest {
  return { ciphertexts: base64Array(body, 'ciphertexts') };
}

function base64Array(body: unknown, field: 'plaintexts' | 'ciphertexts'): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ApiError.badRequest('request body must be a JSON object');
  const values = (body as Record<string, unknown>)[field];
  if (!Array.isArray(values)) throw ApiError.badRequest(`${field} must be an array of base64 strings`);
  if (values.length > MAX_VALUES_PER_REQUEST) throw ApiError.badRequest(`${field} holds ${values.length} values; at most ${MAX_VALUES_PER_REQUEST} per request`);
  values.forEach((value, index) => {
    if (typeof value !== 'string' || !isStandardBase64(value)) throw ApiError.badRequest(`${field}[${index}] must be a standard base64 string`);
  });
  return values as string[];
}
