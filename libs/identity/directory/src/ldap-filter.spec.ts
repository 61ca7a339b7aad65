import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterParser } from 'ldapts';
import { escapeFilterValue, firstRdnValue, renderUserFilter } from './ldap-filter';

void describe('escapeFilterValue', () => {
  void it('escapes the five characters RFC 4515 reserves as \\XX', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('('), '\\28');
    assert.equal(escapeFilterValue(')'), '\\29');
    assert.equal(escapeFilterValue('\\'), '\\5c');
    assert.equal(escapeFilterValue('\u0000'), '\\00');
    assert.equal(escapeFilterValue('a*b(c)d\\e\u0000f'), 'a\\2ab\\28c\\29d\\5ce\\00f');
  });

  void it('leaves everything else alone, including non-ASCII letters (ldapts would mangle their escaped bytes)', () => {
    assert.equal(escapeFilterValue('alice.o-brien_1@example.test'), 'alice.o-brien_1@example.test');
    assert.equal(escapeFilterValue('José=Ünal,x'), 'José=Ünal,x');
  });

  void it('does not escape twice: an already escaped-looking value is escaped as literal text', () => {
    assert.equal(escapeFilterValue('\\2a'), '\\5c2a');
  });
});

void describe('renderUserFilter', () => {
  void it('replaces every {username} and keeps the filter one equality assertion for injection attempts', () => {
    const template = '(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))';
    for (const attempt of ['*', 'alice)(uid=*', 'alice)(|(objectClass=*', '*)(userPassword=*', 'a\u0000b', '$&$1']) {
      const rendered = renderUserFilter(template, attempt);
      // ldapts parses the string back; the attempt must come out as the literal value.
      const parsed = FilterParser.parseString(rendered);
      const uid = (parsed as unknown as { filters: Array<{ filters: Array<{ attribute: string; value: string }> }> }).filters[1].filters[0];
      assert.equal(uid.attribute, 'uid', rendered);
      assert.equal(uid.value, attempt, rendered);
    }
  });

  void it('turns a lone * into an equality match on the character, not a presence filter', () => {
    const parsed = FilterParser.parseString(renderUserFilter('(uid={username})', '*'));
    assert.equal(parsed.constructor.name, 'EqualityFilter');
  });
});

void describe('firstRdnValue', () => {
  void it('returns the first RDN value, unescaped', () => {
    assert.equal(firstRdnValue('cn=platform,ou=groups,dc=example,dc=test'), 'platform');
    assert.equal(firstRdnValue('CN=Liddell\\, Alice,CN=Users,DC=example,DC=test'), 'Liddell, Alice');
    assert.equal(firstRdnValue('cn=Caf\\C3\\A9,ou=groups'), 'Café');
    assert.equal(firstRdnValue('cn=a+uid=b,ou=x'), 'a');
  });
});
