import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearedCookie, LOGIN_CSRF_COOKIE, loginCsrfCookie, readCookies, SAML_STATE_COOKIE, samlStateCookie, SESSION_COOKIE, sessionCookie } from './cookies';

const attributes = (cookie: string) => cookie.split('; ').slice(1);

void describe('console cookies', () => {
  void it('session: __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/, Max-Age up to expiresAt', () => {
    const now = 1_700_000_000_000;
    const cookie = sessionCookie('abc_DEF-123', now + 8 * 3600 * 1000 + 999, now);
    assert.equal(cookie.split('; ')[0], `${SESSION_COOKIE}=abc_DEF-123`);
    assert.equal(SESSION_COOKIE, '__Host-stackyard-session');
    assert.deepEqual(attributes(cookie).sort(), ['HttpOnly', 'Max-Age=28800', 'Path=/', 'SameSite=Lax', 'Secure']);
    assert.doesNotMatch(cookie, /Domain=/i);
  });

  void it('session: an expiry in the past gives Max-Age=0', () => {
    assert.match(sessionCookie('abc', 1000, 5000), /Max-Age=0;/);
  });

  void it('session: refuses a token that cannot be a cookie value', () => {
    for (const bad of ['a b', 'a;b', 'a,b', 'a"b', 'a\\b', '', 'é']) assert.throws(() => sessionCookie(bad, 2, 1), /cookie value/, bad);
  });

  void it('pre-sign-in CSRF: __Host- prefix, Secure, HttpOnly, SameSite=Strict, browser-session lifetime', () => {
    const cookie = loginCsrfCookie('secret');
    assert.equal(LOGIN_CSRF_COOKIE, '__Host-stackyard-csrf');
    assert.equal(cookie.split('; ')[0], '__Host-stackyard-csrf=secret');
    assert.deepEqual(attributes(cookie).sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure']);
  });

  void it('SAML state: __Host- prefix, Secure, HttpOnly, SameSite=None (the IdP posts cross-site), Max-Age', () => {
    const cookie = samlStateCookie('eyJvIjoiYWNtZSJ9', 900.7);
    assert.equal(SAML_STATE_COOKIE, '__Host-stackyard-saml');
    assert.equal(cookie.split('; ')[0], '__Host-stackyard-saml=eyJvIjoiYWNtZSJ9');
    assert.deepEqual(attributes(cookie).sort(), ['HttpOnly', 'Max-Age=900', 'Path=/', 'SameSite=None', 'Secure']);
    assert.throws(() => samlStateCookie('a;b', 900), /cookie value/);
    assert.equal(clearedCookie(SAML_STATE_COOKIE), '__Host-stackyard-saml=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None');
    assert.equal(readCookies(`${SAML_STATE_COOKIE}=${'A'.repeat(3072)}`).get(SAML_STATE_COOKIE)?.length, 3072);
    assert.equal(readCookies(`${SAML_STATE_COOKIE}=${'A'.repeat(3073)}`).has(SAML_STATE_COOKIE), false);
  });

  void it('clearing keeps the attributes and sets Max-Age=0', () => {
    assert.equal(clearedCookie(SESSION_COOKIE), '__Host-stackyard-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax');
    assert.equal(clearedCookie(LOGIN_CSRF_COOKIE), '__Host-stackyard-csrf=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict');
  });

  void it('reads a Cookie header: first occurrence wins, quotes dropped, malformed values ignored', () => {
    const cookies = readCookies(`a=1; ${SESSION_COOKIE}=tok; ${SESSION_COOKIE}=other; b="q"; c=bad value; =x; d`);
    assert.equal(cookies.get('a'), '1');
    assert.equal(cookies.get(SESSION_COOKIE), 'tok');
    assert.equal(cookies.get('b'), 'q');
    assert.equal(cookies.has('c'), false);
    assert.equal(cookies.has('d'), false);
    assert.equal(readCookies(undefined).size, 0);
  });
});
