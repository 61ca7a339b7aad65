import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCertificateAuthority } from '@stackyard/shared-tls';
import { startSambaAd, type SambaAdPeer } from '@stackyard/testing';
import { type DirectoryConfig } from './directory-config';
import { DirectoryError, INVALID_CREDENTIALS_MESSAGE } from './directory.error';
import { LdapDirectory } from './ldap-directory';

// Against a real Samba 4 Active Directory DC (the AD schema, computed memberOf, the in-chain
// matching rule, userAccountControl), over LDAPS and StartTLS with a test CA. Seeded: alice ∈
// pulumi-admins ∈ platform-engineers; bob disabled with `samba-tool user disable`.

function expectKind(kind: DirectoryError['kind'], check?: (error: DirectoryError) => void): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DirectoryError, `expected a DirectoryError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    check?.(error);
    return true;
  };
}

void describe('LdapDirectory against a Samba Active Directory DC', () => {
  let dc: SambaAdPeer;
  let configFor: (transport: 'ldaps' | 'starttls', extra?: Partial<DirectoryConfig>) => DirectoryConfig;

  before(async () => {
    dc = await startSambaAd();
    configFor = (transport, extra = {}) => ({
      kind: 'active-directory',
      url: transport === 'ldaps' ? dc.ldapsUrl : dc.ldapUrl,
      startTls: transport === 'starttls',
      caCertificates: dc.caPem,
      // AD takes a UPN as the bind name of a simple bind.
      bindDn: dc.servicePrincipalName,
      bindPassword: dc.servicePassword,
      userBaseDn: dc.usersDn,
      ...extra,
    });
  });
  after(async () => {
    await dc?.stop();
  });

  void it('starts a seeded DC', (t) => {
    t.diagnostic(`samba ${dc.sambaVersion} AD DC ready in ${dc.startupMs} ms (template ${dc.templateWasCached ? 'from the cache' : 'provisioned now'})`);
    assert.equal(dc.ldapsUrl, 'ldaps://127.0.0.1:636');
  });

  const alice = () => ({
    subject: dc.users.alice.objectGuid,
    username: 'alice',
    displayName: 'Alice Liddell',
    email: 'alice@example.test',
    dn: dc.users.alice.dn,
    groups: [
      { dn: dc.groups.platformEngineers, name: 'platform-engineers' },
      { dn: dc.groups.pulumiAdmins, name: 'pulumi-admins' },
    ],
  });

  void it('signs alice in by sAMAccountName over LDAPS: objectGUID as AD prints it, the nested group too', async () => {
    const user = await new LdapDirectory(configFor('ldaps')).authenticate('alice', dc.users.alice.password);
    // samba-tool's own rendering of the same GUID: the mixed-endian byte order is right.
    assert.deepEqual(user, alice());
  });

  void it('signs alice in by userPrincipalName over StartTLS as the same person', async () => {
    const user = await new LdapDirectory(configFor('starttls')).authenticate(dc.users.alice.userPrincipalName, dc.users.alice.password);
    assert.deepEqual(user, alice());
  });

  void it('also binds the service account by DN', async () => {
    await new LdapDirectory(configFor('ldaps', { bindDn: dc.serviceBindDn })).check();
  });

  void it('refuses bob as disabled only with his right password (the DC checks it first)', async () => {
    const directory = new LdapDirectory(configFor('ldaps'));
    await assert.rejects(
      directory.authenticate('bob', dc.users.bob.password),
      expectKind('disabled', (e) => assert.equal(e.passwordVerified, true)),
    );
    await assert.rejects(directory.authenticate('bob', 'not-bobs-password'), expectKind('invalid-credentials'));
  });

  void it('answers a wrong password and an unknown user identically', async () => {
    const directory = new LdapDirectory(configFor('starttls'));
    for (const [username, password] of [
      ['alice', 'not-her-password'],
      [dc.users.alice.userPrincipalName, 'not-her-password'],
      ['nobody', 'whatever'],
      ['*', dc.users.alice.password],
      ['alice)(sAMAccountName=*', dc.users.alice.password],
    ]) {
      await assert.rejects(
        directory.authenticate(username, password),
        expectKind('invalid-credentials', (e) => assert.equal(e.message, INVALID_CREDENTIALS_MESSAGE)),
        username,
      );
    }
  });

  void it('passes the readiness check and refuses a certificate from another CA', async () => {
    await new LdapDirectory(configFor('starttls')).check();
    await new LdapDirectory(configFor('ldaps', { tlsServerName: 'dc1.example.test' })).check();
    const otherCa = (await createCertificateAuthority('Some other CA')).certPem;
    await assert.rejects(new LdapDirectory(configFor('ldaps', { caCertificates: otherCa })).check(), expectKind('unavailable'));
  });

  void it('reports a refused service account as misconfigured', async () => {
    await assert.rejects(
      new LdapDirectory(configFor('ldaps', { bindPassword: 'not-the-service-password' })).authenticate('alice', dc.users.alice.password),
      expectKind('misconfigured'),
    );
  });
});
