import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseLogin, loginCandidates, mappedTeams } from './external-identity';
import { isValidLogin } from './names';

void describe('baseLogin', () => {
  void it('takes the local part of e-mail, UPN and DOMAIN\\user names', () => {
    assert.equal(baseLogin('alice'), 'alice');
    assert.equal(baseLogin('alice@corp.example'), 'alice');
    assert.equal(baseLogin('EXAMPLE\\bob'), 'bob');
  });

  void it('reduces anything else to a valid login', () => {
    assert.equal(baseLogin('José María'), 'Jose-Maria');
    assert.equal(baseLogin('..alice..'), 'alice');
    assert.equal(baseLogin('x'.repeat(80)), 'x'.repeat(39));
    assert.equal(baseLogin('日本'), 'user');
    assert.equal(baseLogin(''), 'user');
    for (const name of ['a b c', '-_-', 'ünïcödé@x', '\\\\', 'a'.repeat(38) + '.b']) assert.ok(isValidLogin(baseLogin(name)), name);
  });

  void it('offers numbered alternatives that stay valid', () => {
    const candidates = loginCandidates('y'.repeat(39));
    assert.equal(candidates.next().value, 'y'.repeat(39));
    assert.equal(candidates.next().value, 'y'.repeat(37) + '-2');
    for (let i = 3; i < 12; i++) assert.ok(isValidLogin(candidates.next().value as string));
  });
});

void describe('mappedTeams', () => {
  const groups = [
    { id: 'CN=Platform, OU=Groups,DC=corp,DC=example', name: 'Platform' },
    { id: 'cn=engineering,ou=groups,dc=corp,dc=example', name: 'engineering' },
  ];

  void it('matches DNs case- and space-insensitively, and plain names', () => {
    const teams = mappedTeams(groups, [
      { group: 'cn=platform,ou=groups,dc=corp,dc=example', team: 'platform' },
      { group: 'ENGINEERING', team: 'eng' },
      { group: 'cn=engineering,ou=other,dc=corp,dc=example', team: 'wrong-ou' },
      { group: 'sales', team: 'sales' },
    ]);
    assert.deepEqual(teams, ['eng', 'platform']);
  });

  void it('does not match a DN mapping by the group name alone', () => {
    assert.deepEqual(mappedTeams([{ id: 'cn=platform,dc=a', name: 'platform' }], [{ group: 'cn=platform,dc=b', team: 't' }]), []);
  });
});
