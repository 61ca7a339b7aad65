import { isStandardBase64 } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';

/** Small, explicit body checks: every failure is a 400 naming the field, never a 500 later on. */
export function requireObject(value: unknown, what = 'request body'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ApiError.badRequest(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function optionalString(obj: Record<string, unknown>, key: string, max = 1 << 20): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw ApiError.badRequest(`'${key}' must be a string`);
  if (v.length > max) throw ApiError.badRequest(`'${key}' is too long`);
  return v;
}

export function requireString(obj: Record<string, unknown>, key: string, max?: number): string {
  const v = optionalString(obj, key, max);
  if (v === undefined) throw ApiError.badRequest(`'${key}' is required`);
  return v;
}

export function optionalStringMap(obj: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const map = requireObject(v, `'${key}'`);
  for (const [k, val] of Object.entries(map)) {
    if (typeof val !== 'string') throw ApiError.badRequest(`'${key}.${k}' must be a string`);
  }
  return map as Record<string, string>;
}

export function requireBase64(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isStandardBase64(value)) throw ApiError.badRequest(`${what} must be standard base64`);
  return value;
}

export function requireBase64Array(obj: Record<string, unknown>, key: string, maxItems: number): string[] {
  const v = obj[key];
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw ApiError.badRequest(`'${key}' must be an array`);
  if (v.length > maxItems) throw ApiError.badRequest(`'${key}' has more than ${maxItems} items`);
  // The item's name is built only for the error: this runs per value of 100,000-value batches.
  v.forEach((item, i) => {
    if (typeof item !== 'string' || !isStandardBase64(item)) requireBase64(item, `'${key}[${i}]'`);
  });
  return v as string[];
}

export function parsePositiveInt(raw: string | undefined, what: string, fallback?: number): number {
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw ApiError.badRequest(`${what} is required`);
  }
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw ApiError.badRequest(`${what} must be a positive integer`);
  return Number(raw);
}
