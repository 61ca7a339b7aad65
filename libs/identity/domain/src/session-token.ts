import { randomBytes } from 'node:crypto';
import { hashAccessToken } from './access-token';

/**
 * A console session's cookie value: 256 random bits, base64url. Like access tokens it is stored
 * only as its SHA-256 (plenty for a value that cannot be guessed), and the console sends that
 * hash, not the cookie, when it asks identity who a session belongs to.
 */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export const hashSessionToken = hashAccessToken;
