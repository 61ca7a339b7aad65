import { createHash } from 'node:crypto';

const SEED = 'stackyard-bench-secrets';
/** Every this-many-th value is a certificate: a few large values among many small ones, as in real stacks. */
const CERTIFICATE_EVERY = 50;
const PASSWORD_BYTES = 32;

export interface SecretValueSet {
  /** The plaintexts, base64 as the protocol carries them, in order. */
  plaintextsBase64: string[];
  summary: SecretValueSummary;
}

export interface SecretValueSummary {
  count: number;
  passwords: number;
  certificates: number;
  minBytes: number;
  maxBytes: number;
  totalBytes: number;
}

/** `bytes` pseudo-random bytes from a SHA-256 chain seeded with `label`: the same on every run. */
function chainBytes(label: string, bytes: number): Buffer {
  const blocks: Buffer[] = [];
  let block = createHash('sha256').update(`${SEED}/${label}`).digest();
  for (let length = 0; length < bytes; length += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(blocks).subarray(0, bytes);
}

/** A generated password: 32 printable characters (base64url of 24 bytes). */
function password(index: number): Buffer {
  return Buffer.from(chainBytes(`password/${index}`, (PASSWORD_BYTES / 4) * 3).toString('base64url'));
}

/** A PEM-shaped certificate (not a parseable one) of 1,000–3,000 "DER" bytes: 1.3–4.1 KB of text. */
function certificate(ordinal: number): Buffer {
  const derBytes = 1000 + ((ordinal * 797) % 2001);
  const body = chainBytes(`certificate/${ordinal}`, derBytes)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n?$/, '\n');
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`);
}

/**
 * `count` deterministic secret values as `pulumi config set --secret` sends them (raw bytes):
 * 32-character passwords, and every 50th value a PEM certificate.
 */
export function secretValues(count: number): SecretValueSet {
  const plaintexts = Array.from({ length: count }, (_, i) => (i % CERTIFICATE_EVERY === CERTIFICATE_EVERY - 1 ? certificate(Math.floor(i / CERTIFICATE_EVERY)) : password(i)));
  const sizes = plaintexts.map((p) => p.length);
  const certificates = Math.floor(count / CERTIFICATE_EVERY);
  return {
    plaintextsBase64: plaintexts.map((p) => p.toString('base64')),
    summary: {
      count,
      passwords: count - certificates,
      certificates,
      minBytes: Math.min(...sizes),
      maxBytes: Math.max(...sizes),
      totalBytes: sizes.reduce((a, b) => a + b, 0),
    },
  };
}
