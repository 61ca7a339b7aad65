import { createHash, randomBytes } from 'node:crypto';

/** A PKCE code verifier (RFC 7636 §4.1): 256 random bits as 43 base64url characters. */
export function newCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2). */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** An OAuth `state` value: 256 random bits, base64url. */
export function newOAuthState(): string {
  return randomBytes(32).toString('base64url');
}
