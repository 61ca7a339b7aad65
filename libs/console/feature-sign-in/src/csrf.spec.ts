import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { csrfTokenFor, isValidCsrfToken, newLoginCsrfSecret } from './csrf';

void describe('CSRF tokens', () => {
  const secret = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4cXV1eHF1dXg';

  void it('are HMAC-SHA256(sha256("stackyard-csrf\\0" + secret), "csrf"), base64url', () => {
    const key = createHash('sha256').update(`stackyard-csrf\0${secret}`).digest();
    assert.equal(csrfTokenFor(secret), createHmac('sha256', key).update('csrf').digest('base64url'));
    assert.match(csrfTokenFor(secret), /^[A-Za-z0-9_-]{43}$/);
  });

  void it('differ per secret and never equal the secret', () => {
    const other = newLoginCsrfSecret();
    assert.notEqual(csrfTokenFor(secret), csrfTokenFor(other));
    assert.notEqual(csrfTokenFor(secret), secret);
  });

  void it('verify only for the secret they were derived from', () => {
    const token = csrfTokenFor(secret);
    assert.equal(isValidCsrfToken(secret, token), true);
    assert.equal(isValidCsrfToken(newLoginCsrfSecret(), token), false);
    assert.equal(isValidCsrfToken(secret, token.slice(0, -1)), false);
    assert.equal(isValidCsrfToken(secret, `${token}A`), false);
    assert.equal(isValidCsrfToken(secret, secret), false, 'the cookie value itself is not the token');
    assert.equal(isValidCsrfToken(secret, ''), false);
    assert.equal(isValidCsrfToken(secret, null), false);
    assert.equal(isValidCsrfToken(undefined, token), false);
    assert.equal(isValidCsrfToken('', csrfTokenFor('')), false, 'no cookie, no valid token');
  });

  void it('come from fresh 256-bit secrets', () => {
    const a = newLoginCsrfSecret();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newLoginCsrfSecret());
  });
});
