import { decodeStateCookie, encodeStateCookie } from './sign-in-state-cookie';

/** A SAML sign-in in progress, as the browser keeps it between the redirect to the IdP and the ACS post. */
export interface SamlSignInState {
  organization: string;
  /** The AuthnRequest ID identity issued: the response must answer exactly this request. */
  requestId: string;
  /** Where to go after signing in (already checked by `safeNextPath`). */
  next: string;
  /** Set for an admin's test sign-in: the admin's login; the answer is reported, nobody signs in. */
  testLogin?: string;
}

const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const REQUEST_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,38}$/;

/**
 * The cookie value (see sign-in-state-cookie.ts): unsigned, since identity still requires the
 * response to answer the named request, once.
 */
export function encodeSamlState(state: SamlSignInState): string {
  return encodeStateCookie({ o: state.organization, r: state.requestId, ...(state.testLogin !== undefined ? { t: state.testLogin } : {}) }, state.next);
}

/** The state in a cookie value, or undefined when it is missing or not one this console wrote. */
export function decodeSamlState(value: string | undefined): SamlSignInState | undefined {
  const decoded = decodeStateCookie(value);
  if (!decoded) return undefined;
  const { o, r, t } = decoded.fields;
  if (typeof o !== 'string' || !ORG_NAME.test(o) || typeof r !== 'string' || !REQUEST_ID.test(r)) return undefined;
  if (t !== undefined && (typeof t !== 'string' || !LOGIN.test(t))) return undefined;
  return { organization: o, requestId: r, next: decoded.next, ...(t !== undefined ? { testLogin: t } : {}) };
}
