import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createCertificateAuthority } from '@stackyard/shared-tls';
import { directoryConfigProblems, domainOf, resolveDirectoryConfig, type DirectoryConfig } from './directory-config';

const openldap: DirectoryConfig = {
  kind: 'openldap',
  url: 'ldaps://ldap.example.test:636',
  bindDn: 'cn=stackyard,ou=services,dc=example,dc=test',
  bindPassword: 'service-secret',
  userBaseDn: 'ou=people,dc=example,dc=test',
};

const activeDirectory: DirectoryConfig = {
  kind: 'active-directory',
  url: 'ldap://dc1.corp.example:389',
  startTls: true,
  bindDn: 'svc-stackyard@corp.example',
  bindPassword: 'service-secret',
  userBaseDn: 'CN=Users,DC=corp,DC=example',
};

void describe('directoryConfigProblems', () => {
  let caPem: string;
  before(async () => {
    caPem = (await createCertificateAuthority('directory-config spec CA')).certPem;
  });

  void it('accepts the minimal OpenLDAP (ldaps://) and Active Directory (StartTLS) configurations', () => {
    assert.deepEqual(directoryConfigProblems(openldap), []);
    assert.deepEqual(directoryConfigProblems(activeDirectory), []);
    assert.deepEqual(directoryConfigProblems({ ...openldap, caCertificates: caPem + caPem, tlsServerName: 'ldap.example.test' }), []);
  });

  void it('refuses plaintext LDAP: ldap:// needs StartTLS, even on loopback', () => {
    const problems = directoryConfigProblems({ ...openldap, url: 'ldap://127.0.0.1:389' });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /startTls: true/);
    assert.match(directoryConfigProblems({ ...openldap, url: 'ldap://127.0.0.1', startTls: false })[0], /clear text/);
    assert.match(directoryConfigProblems({ ...openldap, startTls: true })[0], /ldap:\/\/ only/);
  });

  void it('wants scheme://host[:port] and nothing more', () => {
    assert.match(directoryConfigProblems({ ...openldap, url: 'https://ldap.example.test' })[0], /ldaps:\/\/ or ldap:\/\//);
    assert.match(directoryConfigProblems({ ...openldap, url: 'ldaps://ldap.example.test/dc=example,dc=test' })[0], /userBaseDn/);
    assert.match(directoryConfigProblems({ ...openldap, url: 'ldaps://admin:pw@ldap.example.test' })[0], /credentials/);
    assert.match(directoryConfigProblems({ ...openldap, url: 'not a url' })[0], /not a URL/);
  });

  void it('refuses an empty service password, which would be an anonymous bind', () => {
    assert.match(directoryConfigProblems({ ...openldap, bindPassword: '' }).join(), /anonymous/);
  });

  void it('checks the user filter template: placeholder, parentheses, syntax', () => {
    assert.match(directoryConfigProblems({ ...openldap, userFilter: '(uid=alice)' })[0], /\{username\}/);
    assert.match(directoryConfigProblems({ ...openldap, userFilter: 'uid={username}' })[0], /parenthesised/);
    assert.match(directoryConfigProblems({ ...openldap, userFilter: '(&(uid={username})' })[0], /unbalanced/);
    assert.match(directoryConfigProblems({ ...openldap, userFilter: '(uid={username}))(x=y)' })[0], /unbalanced/);
    assert.match(directoryConfigProblems({ ...openldap, userFilter: '(uid~{username})' })[0], /not a valid LDAP filter/);
    assert.deepEqual(directoryConfigProblems({ ...openldap, userFilter: '(&(objectClass=person)(|(uid={username})(mail={username})))' }), []);
  });

  void it('checks CA certificates are PEM certificates that parse', () => {
    assert.match(directoryConfigProblems({ ...openldap, caCertificates: 'not pem' })[0], /PEM certificate/);
    const broken = caPem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    assert.match(directoryConfigProblems({ ...openldap, caCertificates: broken })[0], /#1 cannot be parsed/);
  });

  void it('refuses the AD in-chain group rule for OpenLDAP, which does not implement it', () => {
    assert.match(directoryConfigProblems({ ...openldap, groups: { strategy: 'ad-transitive' } })[0], /1\.2\.840\.113556\.1\.4\.1941/);
    assert.deepEqual(directoryConfigProblems({ ...activeDirectory, groups: { strategy: 'member-of' } }), []);
  });

  void it('lists every problem at once', () => {
    const problems = directoryConfigProblems({
      kind: 'novell',
      url: 'ldap://x',
      bindDn: '',
      bindPassword: '',
      userBaseDn: 'people',
      userFilter: '(uid=x)',
      attributes: { username: 'u id', subjectFormat: 'uuid' },
      groups: { strategy: 'magic', maxDepth: 0, nameAttribute: '' },
      disabledMarker: 'maybe',
      connectTimeoutMs: 0,
      operationTimeoutMs: 1.5,
      tlsServerName: '127.0.0.1',
    } as unknown as DirectoryConfig);
    for (const expected of [/^kind/, /^ldap:\/\//, /^tlsServerName/, /^bindDn/, /^bindPassword/, /^userBaseDn/, /^userFilter/, /^attributes\.username/, /^attributes\.subjectFormat/, /^groups\.strategy/, /^groups\.nameAttribute/, /^groups\.maxDepth/, /^disabledMarker/, /^connectTimeoutMs/, /^operationTimeoutMs/]) {
      assert.ok(problems.some((p) => expected.test(p)), `${expected} in ${JSON.stringify(problems, null, 1)}`);
    }
    assert.equal(problems.length, 15);
  });

  void it('never quotes the service password', () => {
    const problems = directoryConfigProblems({ ...openldap, url: 'ldap://x', bindPassword: 'hunter2-secret', userFilter: '(' });
    assert.ok(problems.length > 0);
    assert.ok(!problems.join().includes('hunter2-secret'));
  });
});

void describe('resolveDirectoryConfig', () => {
  void it('fills in the Active Directory preset: UPN or sAMAccountName, objectGUID, in-chain groups under the domain', () => {
    const resolved = resolveDirectoryConfig(activeDirectory);
    assert.match(resolved.userFilter, /sAMAccountName=\{username\}/);
    assert.match(resolved.userFilter, /userPrincipalName=\{username\}/);
    assert.deepEqual(resolved.attributes, { username: 'sAMAccountName', displayName: 'displayName', email: 'mail', subject: 'objectGUID', subjectFormat: 'ad-guid' });
    assert.equal(resolved.groups.strategy, 'ad-transitive');
    assert.equal(resolved.groups.baseDn, 'DC=corp,DC=example');
    assert.equal(resolved.disabledMarker, 'ad-user-account-control');
    assert.equal(resolved.startTls, true);
    assert.equal(resolved.secure, false);
    assert.equal(resolved.host, 'dc1.corp.example');
  });

  void it('fills in the OpenLDAP preset and lets single fields be overridden', () => {
    const resolved = resolveDirectoryConfig({ ...openldap, attributes: { displayName: 'displayName' }, groups: { maxDepth: 3 } });
    assert.deepEqual(resolved.attributes, { username: 'uid', displayName: 'displayName', email: 'mail', subject: 'entryUUID', subjectFormat: 'text' });
    assert.equal(resolved.groups.strategy, 'member-of');
    assert.equal(resolved.groups.maxDepth, 3);
    assert.equal(resolved.disabledMarker, 'ppolicy-permanent-lock');
    assert.equal(resolved.secure, true);
  });
});

void describe('domainOf', () => {
  void it('keeps the trailing dc= components of a DN', () => {
    assert.equal(domainOf('CN=Users,DC=corp,DC=example'), 'DC=corp,DC=example');
    assert.equal(domainOf('ou=people, dc=example, dc=test'), 'dc=example, dc=test');
    assert.equal(domainOf('dc=example,dc=test'), 'dc=example,dc=test');
    assert.equal(domainOf('o=corp'), 'o=corp');
  });
});
