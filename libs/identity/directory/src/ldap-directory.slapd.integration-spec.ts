import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { createCertificateAuthority } from '@stackyard/shared-tls';
import { startSlapd, waitUntil, type SlapdPeer } from '@stackyard/testing';
import { type DirectoryConfig } from './directory-config';
import { DirectoryError, INVALID_CREDENTIALS_MESSAGE } from './directory.error';
import { LdapDirectory } from './ldap-directory';

// Against a real OpenLDAP slapd 2.5 (memberof, refint and ppolicy overlays), over LDAPS and over
// StartTLS, with a test CA. Seeded: alice ∈ platform ∈ engineering, bob locked, carol groupless.

function expectKind(kind: DirectoryError['kind'], check?: (error: DirectoryError) => void): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DirectoryError, `expected a DirectoryError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    check?.(error);
    return true;
  };
}

async function adminSearch(peer: SlapdPeer, dn: string, attributes: string[]): Promise<Record<string, unknown>> {
  const client = new Client({ url: peer.ldapsUrl, tlsOptions: { ca: peer.caPem } });
  try {
    await client.bind(peer.adminDn, peer.adminPassword);
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
    return searchEntries[0];
  } finally {
    await client.unbind();
  }
}

async function adminChange(peer: SlapdPeer, change: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ url: peer.ldapsUrl, tlsOptions: { ca: peer.caPem } });
  try {
    await client.bind(peer.adminDn, peer.adminPassword);
    await change(client);
  } finally {
    await client.unbind();
  }
}

/** TCP connections to `port` still open on this machine (either end), from /proc/net/tcp. */
function openConnections(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 3 && f[3] === '01' && (f[1].endsWith(`:${hexPort}`) || f[2].endsWith(`:${hexPort}`))).length;
}

void describe('LdapDirectory against OpenLDAP slapd', () => {
  let peer: SlapdPeer;
  let configFor: (transport: 'ldaps' | 'starttls', extra?: Partial<DirectoryConfig>) => DirectoryConfig;

  before(async () => {
    peer = await startSlapd();
    configFor = (transport, extra = {}) => ({
      kind: 'openldap',
      url: transport === 'ldaps' ? peer.ldapsUrl : peer.ldapUrl,
      startTls: transport === 'starttls',
      caCertificates: peer.caPem,
      bindDn: peer.serviceBindDn,
      bindPassword: peer.servicePassword,
      userBaseDn: peer.peopleDn,
      connectTimeoutMs: 5_000,
      operationTimeoutMs: 5_000,
      ...extra,
    });
  });
  after(async () => {
    await peer?.stop();
  });

  void it('starts a seeded slapd', (t) => {
    t.diagnostic(`slapd peer ready in ${peer.startupMs} ms`);
    assert.match(peer.ldapsUrl, /^ldaps:\/\/127\.0\.0\.1:\d+$/);
  });

  for (const transport of ['ldaps', 'starttls'] as const) {
    void it(`signs alice in over ${transport === 'ldaps' ? 'LDAPS' : 'StartTLS'} with her entryUUID and both groups, the nested one too`, async () => {
      const directory = new LdapDirectory(configFor(transport));
      const user = await directory.authenticate('alice', peer.users.alice.password);
      const { entryUUID } = await adminSearch(peer, peer.users.alice.dn, ['entryUUID']);
      assert.deepEqual(user, {
        subject: entryUUID,
        username: 'alice',
        displayName: 'Alice Liddell',
        email: 'alice@example.test',
        dn: peer.users.alice.dn,
        groups: [
          { dn: peer.groups.engineering, name: 'engineering' },
          { dn: peer.groups.platform, name: 'platform' },
        ],
      });
      assert.match(user.subject, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  }

  void it('reports the directory spelling of the login, whatever case was typed', async () => {
    const user = await new LdapDirectory(configFor('ldaps')).authenticate('ALICE', peer.users.alice.password);
    assert.equal(user.username, 'alice');
  });

  void it('signs carol in with no groups', async () => {
    const user = await new LdapDirectory(configFor('starttls')).authenticate('carol', peer.users.carol.password);
    assert.equal(user.username, 'carol');
    assert.deepEqual(user.groups, []);
  });

  void it('answers a wrong password and an unknown user identically', async () => {
    const directory = new LdapDirectory(configFor('ldaps'));
    const refusals: DirectoryError[] = [];
    const keep = (error: DirectoryError) => void refusals.push(error);
    await assert.rejects(directory.authenticate('alice', 'not-her-password'), expectKind('invalid-credentials', keep));
    await assert.rejects(directory.authenticate('nobody', 'whatever'), expectKind('invalid-credentials', keep));
    await assert.rejects(directory.authenticate('alice', peer.users.carol.password), expectKind('invalid-credentials', keep));
    for (const error of refusals) {
      assert.equal(error.message, INVALID_CREDENTIALS_MESSAGE);
      assert.equal(error.cause, undefined);
    }
  });

  void it('refuses bob, whom ppolicy has locked for good, as disabled without claiming his password was checked', async () => {
    const directory = new LdapDirectory(configFor('ldaps'));
    const unverified = (error: DirectoryError) => {
      assert.equal(error.passwordVerified, false);
      assert.ok(!error.message.includes(peer.users.bob.password));
    };
    await assert.rejects(directory.authenticate('bob', peer.users.bob.password), expectKind('disabled', unverified));
    // slapd refuses a locked account before it looks at the password, so a wrong one reads the same.
    await assert.rejects(directory.authenticate('bob', 'wrong-password'), expectKind('disabled', unverified));
  });

  void it('treats filter metacharacters in the username as literal text (no injection)', async () => {
    const directory = new LdapDirectory(configFor('ldaps'));
    for (const attempt of ['*', 'alice)(uid=*', '*)(|(uid=*', 'al*', 'alice)(|(objectClass=*', 'alice\u0000', 'alice\\']) {
      await assert.rejects(directory.authenticate(attempt, peer.users.alice.password), expectKind('invalid-credentials'), JSON.stringify(attempt));
    }
  });

  void it('verifies the server certificate: another CA is refused over LDAPS and over StartTLS', async () => {
    const otherCa = (await createCertificateAuthority('Some other CA')).certPem;
    for (const transport of ['ldaps', 'starttls'] as const) {
      const directory = new LdapDirectory(configFor(transport, { caCertificates: otherCa }));
      await assert.rejects(
        directory.authenticate('alice', peer.users.alice.password),
        expectKind('unavailable', (e) => assert.match(e.message, /certificate/i)),
      );
    }
    // Without a CA, Node's public roots apply, and they do not know the test CA either.
    await assert.rejects(new LdapDirectory(configFor('ldaps', { caCertificates: undefined })).check(), expectKind('unavailable'));
  });

  void it('verifies the server name: localhost matches the certificate, another name does not', async () => {
    const port = new URL(peer.ldapsUrl).port;
    await new LdapDirectory(configFor('ldaps', { url: `ldaps://localhost:${port}` })).check();
    await new LdapDirectory(configFor('ldaps', { tlsServerName: 'localhost' })).check();
    for (const transport of ['ldaps', 'starttls'] as const) {
      await assert.rejects(
        new LdapDirectory(configFor(transport, { tlsServerName: 'ldap.example.test' })).check(),
        expectKind('unavailable', (e) => assert.match(e.message, /ldap\.example\.test/)),
      );
    }
  });

  void it('passes the readiness check, and fails it as misconfigured for a wrong service password or base DN', async () => {
    await new LdapDirectory(configFor('starttls')).check();
    const wrongPassword = new LdapDirectory(configFor('ldaps', { bindPassword: 'not-the-service-password' }));
    const noLeak = (e: DirectoryError) => assert.ok(!e.message.includes('not-the-service-password'));
    await assert.rejects(wrongPassword.check(), expectKind('misconfigured', noLeak));
    await assert.rejects(wrongPassword.authenticate('alice', peer.users.alice.password), expectKind('misconfigured', noLeak));
    const wrongBase = new LdapDirectory(configFor('ldaps', { userBaseDn: `ou=nowhere,${peer.baseDn}` }));
    await assert.rejects(wrongBase.check(), expectKind('misconfigured', (e) => assert.match(e.message, /ou=nowhere/)));
    await assert.rejects(wrongBase.authenticate('alice', peer.users.alice.password), expectKind('misconfigured'));
  });

  void it('leaves no connection open, whatever the outcome', async () => {
    const port = Number(new URL(peer.ldapsUrl).port);
    const directory = new LdapDirectory(configFor('ldaps'));
    await directory.authenticate('alice', peer.users.alice.password);
    await assert.rejects(directory.authenticate('alice', 'wrong'));
    await assert.rejects(directory.authenticate('nobody', 'wrong'));
    await assert.rejects(directory.authenticate('bob', peer.users.bob.password));
    await directory.check();
    await waitUntil(() => Promise.resolve(openConnections(port) === 0), { what: 'all LDAPS connections closed', timeoutMs: 3_000 });
  });

  void it('refuses a login that matches two entries as ambiguous', async () => {
    await adminChange(peer, async (client) => {
      await client.add(`ou=contractors,${peer.baseDn}`, { objectClass: 'organizationalUnit', ou: 'contractors' });
      await client.add(`uid=alice,ou=contractors,${peer.baseDn}`, { objectClass: 'inetOrgPerson', uid: 'alice', cn: 'Alice Other', sn: 'Other' });
    });
    const directory = new LdapDirectory(configFor('ldaps', { userBaseDn: peer.baseDn }));
    await assert.rejects(directory.authenticate('alice', peer.users.alice.password), expectKind('ambiguous'));
  });

  void it('stops at groups that contain each other', async () => {
    // platform ∈ engineering already; now engineering ∈ platform as well.
    await adminChange(peer, (client) =>
      client.modify(peer.groups.platform, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [peer.groups.engineering] }) })),
    );
    const user = await new LdapDirectory(configFor('ldaps')).authenticate('alice', peer.users.alice.password);
    assert.deepEqual(user.groups.map((g) => g.name), ['engineering', 'platform']);
  });
});
