import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh lease token: 256 random bits, URL-safe. Only its hash is stored. */
export function newLeaseToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLeaseToken(token) };
}

export function hashLeaseToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function leaseTokenMatches(token: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashLeaseToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
