import { importPublicJwk } from './jwt';

/** More keys than this is not a key set anyone publishes; refuse rather than try them all. */
export const MAX_JWKS_KEYS = 100;

/** JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export class JwksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksError';
  }
}

/**
 * A JSON Web Key Set, checked: an object with a `keys` list of at most MAX_JWKS_KEYS objects, no
 * private key material anywhere (someone pasting a private key must not have it stored), and at
 * least one key that can verify RS256 or ES256. Returns the keys as given.
 */
export function parseJwks(value: unknown): { keys: Array<Record<string, unknown>> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwksError('the key set must be a JSON object with a "keys" list');
  const keys = (value as Record<string, unknown>)['keys'];
  if (!Array.isArray(keys)) throw new JwksError('the key set must be a JSON object with a "keys" list');
  if (keys.length > MAX_JWKS_KEYS) throw new JwksError(`the key set holds more than ${MAX_JWKS_KEYS} keys`);
  const checked: Array<Record<string, unknown>> = [];
  for (const [index, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new JwksError(`key ${index} of the key set is not a JSON object`);
    const jwk = key as Record<string, unknown>;
    const secret = PRIVATE_MEMBERS.find((member) => jwk[member] !== undefined);
    if (secret) throw new JwksError(`key ${index} of the key set contains private key material ("${secret}"); publish public keys only`);
    checked.push(jwk);
  }
  if (!checked.some((jwk) => importPublicJwk(jwk) !== undefined)) {
    throw new JwksError('the key set holds no key that can verify RS256 (RSA, at least 2048 bits) or ES256 (EC P-256) signatures');
  }
  return { keys: checked };
}
