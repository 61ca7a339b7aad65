import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Form tokens without server state (signed double submit). The token is derived from a secret the
 * browser holds in an HttpOnly cookie: the session token once signed in, a random pre-sign-in
 * cookie before. A page on another origin can make the browser send the cookie, but can neither
 * read it nor compute the token from it, so it cannot forge a form that passes.
 */
export function csrfTokenFor(cookieSecret: string): string {
  const key = createHash('sha256').update('stackyard-csrf\0', 'utf8').update(cookieSecret, 'utf8').digest();
  return createHmac('sha256', key).update('csrf', 'utf8').digest('base64url');
}

/** Whether `presented` is the token for `cookieSecret`; compared in constant time. */
export function isValidCsrfToken(cookieSecret: string | undefined, presented: string | null | undefined): boolean {
  if (!cookieSecret || typeof presented !== 'string' || presented.length === 0) return false;
  const expected = Buffer.from(csrfTokenFor(cookieSecret), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  // Lengths are public (every token has the same one); only equal-length buffers can be compared.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of the pre-sign-in CSRF cookie: 256 random bits. */
export function newLoginCsrfSecret(): string {
  return randomBytes(32).toString('base64url');
}
