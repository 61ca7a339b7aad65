/**
 * Opaque paging cursors (`continuationToken` of `GET /api/user/stacks`, pulumi-protocol.md §2.2;
 * the CLI only echoes them back). base64url of a small JSON object: URL-safe without escaping, and
 * decodable without server state. They are not signed: a token only says where to resume, and the
 * caller must still apply its own access filters to whatever page it reads.
 */

export type ContinuationTokenValue = string | number | boolean | null | ContinuationTokenValue[] | { [key: string]: ContinuationTokenValue };
export type ContinuationTokenPayload = { [key: string]: ContinuationTokenValue };

/** Longer tokens are rejected unread; real cursors (a sort key and an id) are well under 1 KiB. */
export const MAX_CONTINUATION_TOKEN_LENGTH = 2048;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function encodeContinuationToken(payload: ContinuationTokenPayload): string {
  const token = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  // Refuse at the source what decode would refuse, instead of handing out a cursor that 400s.
  if (token.length > MAX_CONTINUATION_TOKEN_LENGTH) throw new RangeError('continuation token payload is too large');
  return token;
}

/**
 * Returns the payload, or undefined for anything that encode could not have produced (so the API
 * can answer 400 instead of failing deeper). `isValid` narrows the payload's shape for the caller.
 */
export function decodeContinuationToken<T extends ContinuationTokenPayload = ContinuationTokenPayload>(
  token: string,
  isValid?: (payload: ContinuationTokenPayload) => payload is T,
): T | undefined {
  if (token === '' || token.length > MAX_CONTINUATION_TOKEN_LENGTH || !BASE64URL.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // Node's decoder ignores stray trailing bits; requiring the canonical spelling makes each
  // payload have exactly one token (no aliasing of cursors in caches or logs).
  if (bytes.toString('base64url') !== token) return undefined;
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').compare(bytes) !== 0) return undefined; // not valid UTF-8
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const obj = payload as ContinuationTokenPayload;
  if (isValid !== undefined && !isValid(obj)) return undefined;
  return obj as T;
}
