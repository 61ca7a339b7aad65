import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';

/**
 * Strict verification of the JWTs an OIDC issuer signs (a Kubernetes service-account token, a CI
 * job's id_token), with nothing but node:crypto. What is accepted is deliberately narrow: RS256
 * and ES256 only (never `none`, never HMAC — an HMAC "signature" made with a public key as the
 * secret is the classic JWT forgery), keys chosen by `kid` from the issuer's key set, no critical
 * header extensions, and the time claims checked with a small clock skew.
 */

export const ACCEPTED_JWT_ALGORITHMS = ['RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof ACCEPTED_JWT_ALGORITHMS)[number];

/** A JWT longer than this is not an identity token anyone sends; refuse before decoding. */
export const MAX_JWT_LENGTH = 16 * 1024;
const MIN_RSA_MODULUS_BITS = 2048;

export type JwtProblem = 'malformed' | 'algorithm' | 'unknown-key' | 'signature' | 'expired' | 'not-yet-valid' | 'too-old' | 'claims';

/** Why a JWT is refused; `message` is meant for the person who sent it and never repeats the token. */
export class JwtError extends Error {
  constructor(
    readonly problem: JwtProblem,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

export interface JwtHeader {
  alg: JwtAlgorithm;
  kid?: string;
  [name: string]: unknown;
}

/** The standard claims as checked, plus everything else the issuer put in (for policies). */
export interface JwtClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  [name: string]: unknown;
}

/** A decoded, not yet verified JWT. */
export interface ParsedJwt {
  header: JwtHeader;
  /** The payload as sent; only `claims()` after verification says it is well-formed. */
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string, what: string): Buffer {
  if (!BASE64URL.test(segment)) throw new JwtError('malformed', `the token's ${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'));
  } catch (error) {
    if (error instanceof JwtError) throw error;
    throw new JwtError('malformed', `the token's ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtError('malformed', `the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and decodes a compact JWS (RFC 7515 §7.1) and checks its header; signature not yet checked. */
export function parseJwt(token: string): ParsedJwt {
  if (token.length > MAX_JWT_LENGTH) throw new JwtError('malformed', `the token is longer than ${MAX_JWT_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed', 'the token is not a JWT (three base64url parts separated by dots)');
  const header = decodeJsonObject(parts[0], 'header');
  const payload = decodeJsonObject(parts[1], 'payload');
  const signature = decodeSegment(parts[2], 'signature');
  const alg = header['alg'];
  if (typeof alg !== 'string') throw new JwtError('algorithm', "the token's header names no algorithm (alg)");
  if (alg.toLowerCase() === 'none') throw new JwtError('algorithm', "the token is unsigned (alg 'none'); only RS256 and ES256 signatures are accepted");
  if (/^HS/i.test(alg)) throw new JwtError('algorithm', `the token is signed with a shared secret (${alg.slice(0, 16)}); only RS256 and ES256 signatures are accepted`);
  if (!(ACCEPTED_JWT_ALGORITHMS as readonly string[]).includes(alg)) throw new JwtError('algorithm', `the token's algorithm '${alg.slice(0, 16)}' is not accepted; only RS256 and ES256 are`);
  if (header['crit'] !== undefined) throw new JwtError('malformed', 'the token has critical header extensions (crit), which are not supported');
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) throw new JwtError('malformed', "the token's key id (kid) must be a non-empty string");
  if (signature.length === 0) throw new JwtError('signature', 'the token has no signature');
  return {
    header: header as JwtHeader,
    payload,
    signingInput: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'),
    signature,
  };
}

/** A public key from the issuer's key set, ready to verify with. */
export interface VerificationKey {
  kid?: string;
  alg: JwtAlgorithm;
  key: KeyObject;
}

/**
 * The keys of a key set usable for RS256 or ES256: signing keys (`use` absent or `sig`) of RSA
 * (≥ 2048 bits) or EC P-256, whose `alg`, when given, agrees. Other keys (encryption keys, other
 * curves) are skipped, as RFC 7517 lets a verifier do.
 */
export function verificationKeys(keys: ReadonlyArray<Record<string, unknown>>): VerificationKey[] {
  const usable: VerificationKey[] = [];
  for (const jwk of keys) {
    const key = importPublicJwk(jwk);
    if (key) usable.push(key);
  }
  return usable;
}

/** The public part of one JWK as a key object, or undefined when it cannot verify RS256/ES256. */
export function importPublicJwk(jwk: Record<string, unknown>): VerificationKey | undefined {
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return undefined;
  const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
  const declared = jwk['alg'];
  let alg: JwtAlgorithm;
  let publicMembers: JsonWebKey;
  if (jwk['kty'] === 'RSA' && typeof jwk['n'] === 'string' && typeof jwk['e'] === 'string') {
    alg = 'RS256';
    publicMembers = { kty: 'RSA', n: jwk['n'], e: jwk['e'] };
  } else if (jwk['kty'] === 'EC' && jwk['crv'] === 'P-256' && typeof jwk['x'] === 'string' && typeof jwk['y'] === 'string') {
    alg = 'ES256';
    publicMembers = { kty: 'EC', crv: 'P-256', x: jwk['x'], y: jwk['y'] };
  } else {
    return undefined;
  }
  if (declared !== undefined && declared !== alg) return undefined;
  let key: KeyObject;
  try {
    // Only the public members are imported, so a private JWK can never become a signing key here.
    key = createPublicKey({ key: publicMembers, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) return undefined;
  return { ...(kid !== undefined ? { kid } : {}), alg, key };
}

/**
 * Verifies the signature with the key the header names. Without a `kid` the key set must hold
 * exactly one key for the algorithm; with one, that key must be in the set (an unknown `kid` is
 * what a rotated key looks like, so callers may refresh the set and try again).
 */
export function verifyJwtSignature(jwt: ParsedJwt, keys: readonly VerificationKey[]): void {
  const { alg, kid } = jwt.header;
  const candidates = keys.filter((k) => k.alg === alg && (kid === undefined || k.kid === kid));
  if (candidates.length === 0) {
    throw new JwtError('unknown-key', kid === undefined ? `the issuer publishes no ${alg} key` : `the issuer publishes no ${alg} key with the token's key id (kid) '${kid}'`);
  }
  if (candidates.length > 1) throw new JwtError('unknown-key', kid === undefined ? 'the token names no key (kid) and the issuer publishes several' : `the issuer publishes several keys with key id '${kid}'`);
  const { key } = candidates[0];
  let valid: boolean;
  if (alg === 'ES256') {
    // JWS carries ECDSA signatures as r‖s (IEEE P1363), not DER.
    valid = jwt.signature.length === 64 && verify('sha256', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  } else {
    valid = verify('sha256', jwt.signingInput, key, jwt.signature);
  }
  if (!valid) throw new JwtError('signature', "the token's signature does not verify with the issuer's key");
}

export interface JwtTimeRules {
  /** Seconds since the epoch. */
  now: number;
  /** Tolerated clock difference between the issuer and us, in seconds. */
  skewSeconds: number;
  /** A token issued longer ago than this is refused, whatever its `exp`. */
  maxAgeSeconds: number;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * The claims of a verified token, checked: `iss`, `sub` and `aud` present, `exp` and `iat`
 * required (a token without them — a legacy Kubernetes secret token — never expires, so it is
 * refused), `nbf` honoured, all within `skewSeconds`, and `iat` no older than `maxAgeSeconds`.
 */
export function checkJwtClaims(payload: Record<string, unknown>, rules: JwtTimeRules): JwtClaims {
  const { iss, sub, aud, exp, iat, nbf } = payload;
  if (typeof iss !== 'string' || iss.length === 0) throw new JwtError('claims', 'the token has no issuer (iss)');
  if (typeof sub !== 'string' || sub.length === 0) throw new JwtError('claims', 'the token has no subject (sub)');
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0)) throw new JwtError('claims', 'the token has no audience (aud)');
  if (!isNumericDate(exp)) throw new JwtError('claims', 'the token has no expiry (exp); tokens that never expire are not accepted');
  if (!isNumericDate(iat)) throw new JwtError('claims', 'the token has no issue time (iat)');
  if (nbf !== undefined && !isNumericDate(nbf)) throw new JwtError('claims', "the token's not-before time (nbf) is not a number");
  const { now, skewSeconds, maxAgeSeconds } = rules;
  if (now >= exp + skewSeconds) throw new JwtError('expired', `the token expired at ${new Date(exp * 1000).toISOString()}`);
  if (nbf !== undefined && now + skewSeconds < nbf) throw new JwtError('not-yet-valid', `the token is not valid before ${new Date(nbf * 1000).toISOString()}`);
  if (iat > now + skewSeconds) throw new JwtError('not-yet-valid', `the token claims to be issued in the future (${new Date(iat * 1000).toISOString()})`);
  if (now - iat > maxAgeSeconds) throw new JwtError('too-old', `the token was issued more than ${maxAgeSeconds} seconds ago; request a fresh one`);
  return payload as JwtClaims;
}

/** The audiences of checked claims, as a list. */
export function audiencesOf(claims: JwtClaims): string[] {
  return typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
}
