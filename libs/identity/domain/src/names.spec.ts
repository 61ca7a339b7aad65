import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidLogin, isValidOrganizationName, isValidTokenName } from './names';

void describe('isValidLogin', () => {
  void it('accepts GitHub-style logins and rejects path or URL breakers', () => {
    for (const ok of ['admin', 'Alice-1', 'a.b_c', 'x'.repeat(39)]) assert.ok(isValidLogin(ok), ok);
    for (const bad of ['', '-admin', 'a/b', 'a b', 'x'.repeat(40), '..', 7]) assert.equal(isValidLogin(bad), false, String(bad));
  });
});

void describe('isValidOrganizationName', () => {
  void it('allows 40 characters, the api column width, and no more', () => {
    assert.ok(isValidOrganizationName('o'.repeat(40)));
    assert.equal(isValidOrganizationName('o'.repeat(41)), false);
    assert.equal(isValidOrganizationName('acme/prod'), false);
  });
});

void describe('isValidTokenName', () => {
  void it('accepts labels with spaces and rejects blank, control characters and over-long names', () => {
    assert.ok(isValidTokenName('CI token (prod)'));
    assert.equal(isValidTokenName('   '), false);
    assert.equal(isValidTokenName('a\nb'), false);
    assert.equal(isValidTokenName('n'.repeat(101)), false);
  });
});
