import { isCookieValue } from './cookies';
import { decodeStateCookie, encodeStateCookie } from './sign-in-state-cookie';

/**
 * An OAuth sign-in in progress, as the browser keeps it between the redirect to the provider and
 * the provider's redirect back: `__Host-stackyard-oauth`.
 *
 * `SameSite=Lax` suffices (unlike SAML's cross-site POST): the provider sends the browser back with
 * a top-level GET navigation, on which browsers send Lax cookies. The cookie binds the `state` to
 * this browser — identity refuses a callback whose state is not the one the cookie holds, so a
 * code an attacker obtained for their own account cannot be completed in someone else's browser
 * (login CSRF) — and carries `next`, checked again on the way out.
 */
export const OAUTH_STATE_COOKIE = '__Host-stackyard-oauth';

export interface OAuthSignInState {
  methodId: string;
  /** The state identity issued for this sign-in. */
  state: string;
  /** Where to go after signing in (already checked by `safeNextPath`). */
  next: string;
}

/** Sign-in method ids, as identity's configuration allows them. */
export const OAUTH_METHOD_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const STATE = /^[A-Za-z0-9_-]{16,256}$/;

/** The cookie value (see sign-in-state-cookie.ts). */
export function encodeOAuthState(state: OAuthSignInState): string {
  return encodeStateCookie({ m: state.methodId, s: state.state }, state.next);
}

/** The state in a cookie value, or undefined when it is missing or not one this console wrote. */
export function decodeOAuthState(value: string | undefined): OAuthSignInState | undefined {
  const decoded = decodeStateCookie(value);
  if (!decoded) return undefined;
  const { m, s } = decoded.fields;
  if (typeof m !== 'string' || !OAUTH_METHOD_ID.test(m) || typeof s !== 'string' || !STATE.test(s)) return undefined;
  return { methodId: m, state: s, next: decoded.next };
}

export function oauthStateCookie(value: string, maxAgeSeconds: number): string {
  if (!isCookieValue(value)) throw new Error('the OAuth sign-in state cannot be a cookie value');
  return `${OAUTH_STATE_COOKIE}=${value}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}
