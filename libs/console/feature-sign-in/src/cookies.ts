/**
 * The console's cookies. The `__Host-` prefix makes browsers accept them only with `Secure`,
 * `Path=/` and no `Domain`, so a sibling host (or plain-HTTP network attacker) cannot plant one.
 */
export const SESSION_COOKIE = '__Host-stackyard-session';
export const LOGIN_CSRF_COOKIE = '__Host-stackyard-csrf';
/** Binds a SAML sign-in to the browser that started it (see `samlStateCookie`). */
export const SAML_STATE_COOKIE = '__Host-stackyard-saml';

// RFC 6265 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`. Up to 3 KiB: the SAML
// state carries a `next` path of up to 2 KiB (browsers keep 4 KiB per cookie).
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,3072}$/;

export function isCookieValue(value: string): boolean {
  return COOKIE_VALUE.test(value);
}

/** Cookies of a request by name; the first occurrence wins, malformed values are ignored. */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!cookies.has(name) && isCookieValue(value)) cookies.set(name, value);
  }
  return cookies;
}

/**
 * The session cookie: unreadable by scripts, sent on top-level navigations from other sites (so a
 * link into the console works) but never on their cross-site POSTs, and gone when identity would
 * expire the session anyway. `expiresAt` and `now` are epoch milliseconds.
 */
export function sessionCookie(sessionToken: string, expiresAt: number, now: number): string {
  if (!isCookieValue(sessionToken)) throw new Error('identity returned a session token that cannot be a cookie value');
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return `${SESSION_COOKIE}=${sessionToken}; Max-Age=${maxAge}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}

/**
 * The pre-sign-in CSRF cookie. It lives until the browser closes, and is only ever needed on
 * same-origin form posts, hence `SameSite=Strict`.
 */
export function loginCsrfCookie(secret: string): string {
  return `${LOGIN_CSRF_COOKIE}=${secret}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

/**
 * The state of a SAML sign-in in progress (which organization, the AuthnRequest ID, where to go
 * afterwards), until the IdP posts its answer to the ACS URL.
 *
 * `SameSite=None` for this one cookie, by necessity: the IdP's page submits the response to the
 * console with a cross-site top-level POST, on which browsers send no `Lax` or `Strict` cookie.
 * Sending it cross-site grants nothing: the cookie holds no authority, only the request ID the
 * response must answer, so a response an attacker makes the browser post (login CSRF, an
 * assertion injected from elsewhere) answers another request and is refused, and the ID is used
 * once. `__Host-` and `Secure` keep other hosts and plain HTTP from planting or reading it;
 * `Max-Age` ends it when identity stops accepting the request anyway. The alternative — the ID in
 * RelayState — would bind the response to nothing the browser holds.
 */
export function samlStateCookie(value: string, maxAgeSeconds: number): string {
  if (!isCookieValue(value)) throw new Error('the SAML sign-in state cannot be a cookie value');
  return `${SAML_STATE_COOKIE}=${value}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; Path=/; Secure; HttpOnly; SameSite=None`;
}

/** Tells the browser to drop a cookie (same attributes, or a `__Host-` cookie is not replaced). */
export function clearedCookie(name: string): string {
  const sameSite = name === LOGIN_CSRF_COOKIE ? 'Strict' : name === SAML_STATE_COOKIE ? 'None' : 'Lax';
  return `${name}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=${sameSite}`;
}
