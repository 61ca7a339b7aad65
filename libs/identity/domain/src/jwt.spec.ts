import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSigningKey, signJwt } from '@stackyard/testing';
import { JwksError, parseJwks } from './jwks';
import { checkJwtClaims, JwtError, type JwtProblem, parseJwt, verificationKeys, verifyJwtSignature } from './jwt';

const rsa = generateSigningKey('RS256', 'rsa-1');
const ec = generateSigningKey('ES256', 'ec-1');
const keys = verificationKeys([rsa.publicJwk, ec.publicJwk]);
const NOW = 1_800_000_000;
const claims = { iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:ci:deployer', aud: ['urn:pulumi:org:acme'], iat: NOW - 10, nbf: NOW - 10, exp: NOW + 3600 };
const rules = { now: NOW, skewSeconds: 60, maxAgeSeconds: 86_400 };

function refused(problem: JwtProblem, fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof JwtError && error.problem === problem && (!message || message.test(error.message)));
}

function verified(token: string) {
  const jwt = parseJwt(token);
  verifyJwtSignature(jwt, keys);
  return checkJwtClaims(jwt.payload, rules);
}

void describe('JWT verification', () => {
  void it('accepts RS256 and ES256 tokens signed by a published key, found by kid', () => {
    assert.equal(verified(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa)).sub, claims.sub);
    assert.equal(verified(signJwt({ alg: 'ES256', kid: 'ec-1' }, claims, ec)).sub, claims.sub);
  });

  void it('picks the only key of the algorithm when the token names no kid, and refuses to guess among several', () => {
    const onlyRsa = verificationKeys([rsa.publicJwk]);
    const token = parseJwt(signJwt({ alg: 'RS256' }, claims, rsa));
    verifyJwtSignature(token, onlyRsa);
    const second = generateSigningKey('RS256', 'rsa-2');
    refused('unknown-key', () => verifyJwtSignature(token, verificationKeys([rsa.publicJwk, second.publicJwk])), /names no key/);
  });

  void it('refuses unsigned, HMAC and other algorithms before looking at any key', () => {
    refused('algorithm', () => parseJwt(signJwt({ alg: 'none' }, claims, null)), /unsigned/);
    refused('algorithm', () => parseJwt(signJwt({ alg: 'NONE' }, claims, null)), /unsigned/);
    // The classic forgery: HMAC keyed with the issuer's public key.
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rsa-1' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const mac = createHmac('sha256', JSON.stringify(rsa.publicJwk)).update(input).digest('base64url');
    refused('algorithm', () => parseJwt(`${input}.${mac}`), /shared secret/);
    refused('algorithm', () => parseJwt(signJwt({ alg: 'RS512', kid: 'rsa-1' }, claims, rsa)), /not accepted/);
    refused('algorithm', () => parseJwt(signJwt({ kid: 'rsa-1' }, claims, rsa)), /no algorithm/);
  });

  void it('refuses tokens that are not compact JWS or carry critical extensions', () => {
    refused('malformed', () => parseJwt('not-a-jwt'));
    refused('malformed', () => parseJwt('a.b'));
    refused('malformed', () => parseJwt('e30.e30.@@@'));
    refused('malformed', () => parseJwt(`${Buffer.from('[1]').toString('base64url')}.e30.AA`), /not a JSON object/);
    refused('malformed', () => parseJwt(signJwt({ alg: 'RS256', kid: 'rsa-1', crit: ['exp'] }, claims, rsa)), /critical/);
    refused('malformed', () => parseJwt('x'.repeat(20_000)), /longer/);
    refused('signature', () => parseJwt(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims, null)), /no signature/);
  });

  void it('refuses an unknown kid, a tampered payload and a signature by another key under the same kid', () => {
    refused('unknown-key', () => verifyJwtSignature(parseJwt(signJwt({ alg: 'RS256', kid: 'rotated' }, claims, rsa)), keys), /'rotated'/);
    const [h, , s] = signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims, rsa).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${s}`;
    refused('signature', () => verifyJwtSignature(parseJwt(tampered), keys));
    const impostor = generateSigningKey('RS256', 'rsa-1');
    refused('signature', () => verifyJwtSignature(parseJwt(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims, impostor)), keys));
    // An ES256 header on an RSA-signed token finds no EC key named rsa-1.
    refused('unknown-key', () => verifyJwtSignature(parseJwt(signJwt({ alg: 'ES256', kid: 'rsa-1' }, claims, ec)), keys));
  });

  void it('does not use RSA keys under 2048 bits, encryption keys, or keys whose alg disagrees', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    assert.deepEqual(verificationKeys([{ ...weak, kid: 'weak' }]), []);
    assert.deepEqual(verificationKeys([{ ...rsa.publicJwk, use: 'enc' }]), []);
    assert.deepEqual(verificationKeys([{ ...rsa.publicJwk, alg: 'RS512' }]), []);
    assert.deepEqual(verificationKeys([{ kty: 'oct', k: 'c2VjcmV0' }]), []);
  });

  void it('checks expiry, not-before and issue time with the allowed skew, and the maximum age', () => {
    assert.ok(checkJwtClaims({ ...claims, exp: NOW - 30 }, rules), 'within the skew');
    refused('expired', () => checkJwtClaims({ ...claims, exp: NOW - 60 }, rules), /expired/);
    refused('not-yet-valid', () => checkJwtClaims({ ...claims, nbf: NOW + 120 }, rules), /not valid before/);
    refused('not-yet-valid', () => checkJwtClaims({ ...claims, iat: NOW + 120 }, rules), /future/);
    refused('too-old', () => checkJwtClaims({ ...claims, iat: NOW - 90_000, exp: NOW + 100 }, rules), /more than 86400 seconds/);
    refused('claims', () => checkJwtClaims({ ...claims, exp: undefined }, rules), /never expire/);
    refused('claims', () => checkJwtClaims({ ...claims, iat: '1' }, rules), /issue time/);
    refused('claims', () => checkJwtClaims({ ...claims, aud: [] }, rules), /audience/);
    refused('claims', () => checkJwtClaims({ ...claims, aud: [42] }, rules), /audience/);
    refused('claims', () => checkJwtClaims({ ...claims, sub: '' }, rules), /subject/);
    refused('claims', () => checkJwtClaims({ ...claims, iss: undefined }, rules), /issuer/);
  });
});

void describe('JWKS', () => {
  void it('accepts a key set with a usable public key and keeps the keys as given', () => {
    assert.deepEqual(parseJwks({ keys: [rsa.publicJwk, { kty: 'OKP', crv: 'Ed25519', x: 'AA' }] }).keys.length, 2);
  });

  void it('refuses private key material, sets without usable keys and other shapes', () => {
    const privateJwk = rsa.privateKey.export({ format: 'jwk' });
    assert.throws(() => parseJwks({ keys: [privateJwk] }), (e: unknown) => e instanceof JwksError && /private key material \("d"\)/.test(e.message));
    assert.throws(() => parseJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), /private key material/);
    assert.throws(() => parseJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AA' }] }), /no key that can verify/);
    assert.throws(() => parseJwks([rsa.publicJwk]), /"keys" list/);
    assert.throws(() => parseJwks({ keys: [1] }), /not a JSON object/);
  });
});
