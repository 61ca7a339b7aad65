import { isCookieValue } from './cookies';
import { DEFAULT_NEXT_PATH, safeNextPath } from './next-path';

/**
 * The value of a sign-in-in-progress cookie (SAML, OAuth): base64url JSON of a few short fields
 * plus `next`. Not signed: a browser can only change its own sign-in with it (identity still
 * checks what the fields name), and `next` is checked again on the way out. A `next` too long for
 * a cookie falls back to the default page.
 */
export function encodeStateCookie(fields: Record<string, string>, next: string): string {
  const encode = (path: string) => Buffer.from(JSON.stringify({ ...fields, n: path }), 'utf8').toString('base64url');
  const value = encode(safeNextPath(next));
  return isCookieValue(value) ? value : encode(DEFAULT_NEXT_PATH);
}

/** The fields and checked `next` of such a cookie, or undefined when it is missing or not JSON; callers check the fields. */
export function decodeStateCookie(value: string | undefined): { fields: Record<string, unknown>; next: string } | undefined {
  if (value === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const fields = raw as Record<string, unknown>;
  return { fields, next: safeNextPath(fields['n']) };
}
