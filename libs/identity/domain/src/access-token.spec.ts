import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateAccessToken, hashAccessToken, isAccessTokenHash, isGeneratedAccessToken, weakTokenReason } from './access-token';

void describe('generateAccessToken', () => {
  void it('produces pul- followed by 40 lowercase hex digits (160 bits)', () => {
    const sut = generateAccessToken();
    assert.match(sut, /^pul-[0-9a-f]{40}$/);
    assert.ok(isGeneratedAccessToken(sut));
  });

  void it('never repeats across many draws', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => generateAccessToken()));
    assert.equal(tokens.size, 2000);
  });

  void it('passes its own strength check, so generated tokens can be used as the bootstrap token', () => {
    assert.equal(weakTokenReason(generateAccessToken()), undefined);
  });
});

void describe('hashAccessToken', () => {
  void it('is the lowercase hex SHA-256 of the UTF-8 token (known vector)', () => {
    assert.equal(hashAccessToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  void it('gives a value that isAccessTokenHash accepts, and differs per token', () => {
    const a = hashAccessToken(generateAccessToken());
    const b = hashAccessToken(generateAccessToken());
    assert.ok(isAccessTokenHash(a));
    assert.notEqual(a, b);
  });
});

void describe('isAccessTokenHash', () => {
  void it('rejects uppercase, short, long and non-string values', () => {
    const good = hashAccessToken('x');
    assert.equal(isAccessTokenHash(good.toUpperCase()), false);
    assert.equal(isAccessTokenHash(good.slice(1)), false);
    assert.equal(isAccessTokenHash(`${good}0`), false);
    assert.equal(isAccessTokenHash(42), false);
    assert.equal(isAccessTokenHash(undefined), false);
  });
});

void describe('weakTokenReason', () => {
  void it('accepts random values of at least 128 bits', () => {
    assert.equal(weakTokenReason('3f9a0c1e7b2d4a6f8e0c2b4d6f8a0c1e'), undefined); // openssl rand -hex 16
    assert.equal(weakTokenReason('q8Zk1pW3vN7xR2tY6mB0cF4hJ9sL5dG8aE3u'), undefined);
  });

  void it('rejects values shorter than 32 characters', () => {
    assert.match(weakTokenReason('short-but-random-Zq81')!, /at least 32 characters/);
  });

  void it('rejects repeated patterns and low variety', () => {
    assert.match(weakTokenReason('a'.repeat(40))!, /repeated/);
    assert.match(weakTokenReason('changeme'.repeat(5))!, /repeated/);
    assert.match(weakTokenReason(`${'abc'.repeat(12)}X`)!, /distinct characters/);
  });

  void it('rejects digit-only values that carry under 128 bits', () => {
    assert.match(weakTokenReason('12345678901234567890123456789017654')!, /128 bits/);
  });

  void it('rejects whitespace and control characters', () => {
    assert.match(weakTokenReason(`${'x'.repeat(20)} ${'y1Z'.repeat(8)}`)!, /printable/);
  });

  void it('never includes the value in the reason', () => {
    const secret = '0000000000000000000000000000000000000000';
    assert.ok(!weakTokenReason(secret)!.includes(secret));
  });
});
