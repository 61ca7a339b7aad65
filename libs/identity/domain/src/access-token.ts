import { createHash, randomBytes } from 'node:crypto';

/**
 * Pulumi's token shape (`pul-` + 40 lowercase hex digits): secret scanners that already know
 * Pulumi access tokens (GitHub push protection, gitleaks, trufflehog) recognise ours too.
 */
export const ACCESS_TOKEN_PREFIX = 'pul-';
const ACCESS_TOKEN_PATTERN = /^pul-[0-9a-f]{40}$/;
const TOKEN_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** A new access token: `pul-` + 160 random bits in lowercase hex. Shown once, stored only hashed. */
export function generateAccessToken(): string {
  return ACCESS_TOKEN_PREFIX + randomBytes(20).toString('hex');
}

export function isGeneratedAccessToken(value: string): boolean {
  return ACCESS_TOKEN_PATTERN.test(value);
}

/**
 * What identity stores and what the api sends to resolve a principal: the lowercase hex SHA-256
 * of the token's UTF-8 bytes. A plain hash (no salt, no KDF) is right here because tokens carry
 * ≥128 bits of entropy, so there is nothing to brute-force, and the lookup must be an index hit.
 */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isAccessTokenHash(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_HASH_PATTERN.test(value);
}

/**
 * Why an operator-chosen token (the bootstrap admin token) is too weak, or undefined when it is
 * acceptable. The checks estimate entropy conservatively from length and the character classes
 * used, and reject the shapes people type by hand (one repeated unit, few distinct characters).
 * The messages never repeat the value.
 */
export function weakTokenReason(token: string): string | undefined {
  if (token.length < 32) return `must be at least 32 characters (got ${token.length})`;
  if (token.length > 512) return 'must be at most 512 characters';
  if (/[^\x21-\x7e]/.test(token)) return 'must consist of printable ASCII characters without spaces';
  if (hasShortPeriod(token)) return 'is one short sequence repeated; generate a random value (e.g. `openssl rand -hex 32`)';
  if (new Set(token).size < 8) return 'uses too few distinct characters; generate a random value (e.g. `openssl rand -hex 32`)';
  if (estimatedEntropyBits(token) < 128) {
    return 'carries less than 128 bits of entropy for its length and alphabet; use a longer random value (e.g. `openssl rand -hex 32`)';
  }
  return undefined;
}

/** Length × log2(size of the character classes present): an upper bound for random strings. */
function estimatedEntropyBits(token: string): number {
  let alphabet = 0;
  if (/[0-9]/.test(token)) alphabet += 10;
  if (/[a-f]/.test(token) && !/[g-z]/.test(token) && !/[A-Z]/.test(token)) alphabet += 6;
  else {
    if (/[a-z]/.test(token)) alphabet += 26;
    if (/[A-Z]/.test(token)) alphabet += 26;
  }
  if (/[^0-9A-Za-z]/.test(token)) alphabet += 32;
  return token.length * Math.log2(Math.max(alphabet, 2));
}

function hasShortPeriod(token: string): boolean {
  for (let period = 1; period <= 16 && period * 2 <= token.length; period++) {
    let repeats = true;
    for (let i = period; i < token.length; i++) {
      if (token[i] !== token[i - period]) {
        repeats = false;
        break;
      }
    }
    if (repeats) return true;
  }
  return false;
}
