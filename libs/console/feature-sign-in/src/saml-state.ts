import { isCookieValue } from './cookies';
import { DEFAULT_NEXT_PATH, safeNextPath } from './next-path';

/** A SAML sign-in in progress, as the browser keeps it between the redirect to the IdP and the ACS post. */
export interface SamlSignInState {
  organization: string;
  /** The AuthnRequest ID identity issued: the response must answer exactly this request. */
  requestId: string;
  /** Where to go after signing in (already checked by `safeNextPath`). */
  next: string;
}

const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const REQUEST_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;

/**
 * The cookie value: base64url JSON. Not signed: the browser can only change its own sign-in with
 * it — identity still requires the response to answer the named request, once — and `next` is
 * checked again on the way out. A `next` too long for a cookie falls back to the default page.
 */
export function encodeSamlState(state: SamlSignInState): string {
  const encode = (next: string) => Buffer.from(JSON.stringify({ o: state.organization, r: state.requestId, n: next }), 'utf8').toString('base64url');
  const value = encode(safeNextPath(state.next));
  return isCookieValue(value) ? value : encode(DEFAULT_NEXT_PATH);
}

/** The state in a cookie value, or undefined when it is missing or not one this console wrote. */
export function decodeSamlState(value: string | undefined): SamlSignInState | undefined {
  if (value === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { o, r, n } = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  if (typeof o !== 'string' || !ORG_NAME.test(o) || typeof r !== 'string' || !REQUEST_ID.test(r)) return undefined;
  return { organization: o, requestId: r, next: safeNextPath(n) };
}
