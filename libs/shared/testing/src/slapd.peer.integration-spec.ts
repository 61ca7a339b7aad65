import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { PPOLICY_PERMANENT_LOCK, startSlapd, type SlapdPeer } from './slapd.peer';

// The properties of the slapd peer that directory tests rely on.
void describe('startSlapd', () => {
  let peer: SlapdPeer;
  before(async () => {
    peer = await startSlapd();
  });
  after(async () => {
    await peer?.stop();
  });

  async function withClient<T>(url: string, use: (client: Client) => Promise<T>, startTls = false): Promise<T> {
    const client = new Client({ url, timeout: 5_000, connectTimeout: 5_000, ...(url.startsWith('ldaps:') ? { tlsOptions: { ca: peer.caPem } } : {}) });
    try {
      if (startTls) await client.startTLS({ ca: peer.caPem, host: '127.0.0.1' });
      return await use(client);
    } finally {
      await client.unbind();
    }
  }

  void it('refuses a simple bind without TLS and accepts it after StartTLS', async () => {
    await assert.rejects(
      withClient(peer.ldapUrl, (c) => c.bind(peer.users.alice.dn, peer.users.alice.password)),
      (error: Error & { code?: number }) => error.code === 13,
    );
    await withClient(peer.ldapUrl, (c) => c.bind(peer.users.alice.dn, peer.users.alice.password), true);
  });

  void it('shows anonymous clients nothing and the service account no password', async () => {
    // slapd hides even the base entry: noSuchObject rather than an empty result.
    await assert.rejects(
      withClient(peer.ldapsUrl, (c) => c.search(peer.baseDn, { filter: '(uid=*)' })),
      (error: Error & { code?: number }) => error.code === 32,
    );
    const service = await withClient(peer.ldapsUrl, async (c) => {
      await c.bind(peer.serviceBindDn, peer.servicePassword);
      return c.search(peer.peopleDn, { filter: '(uid=*)', attributes: ['uid', 'userPassword', 'memberOf', 'pwdAccountLockedTime'] });
    });
    assert.deepEqual(service.searchEntries.map((e) => e['uid']).sort(), ['alice', 'bob', 'carol']);
    for (const entry of service.searchEntries) assert.deepEqual(entry['userPassword'], []);
    const bob = service.searchEntries.find((e) => e['uid'] === 'bob');
    assert.equal(bob?.['pwdAccountLockedTime'], PPOLICY_PERMANENT_LOCK);
    const alice = service.searchEntries.find((e) => e['uid'] === 'alice');
    assert.equal(alice?.['memberOf'], peer.groups.platform);
  });

  void it('keeps bob out with his right password (ppolicy lock)', async () => {
    await assert.rejects(
      withClient(peer.ldapsUrl, (c) => c.bind(peer.users.bob.dn, peer.users.bob.password)),
      (error: Error & { code?: number }) => error.code === 49,
    );
  });

  void it('stops and removes its directory', async () => {
    const second = await startSlapd();
    const dir = dirname(second.caFile);
    assert.ok(existsSync(dir));
    await second.stop();
    assert.ok(!existsSync(dir));
    await assert.rejects(withClient(second.ldapsUrl, (c) => c.bind(second.adminDn, second.adminPassword)), /ECONNREFUSED/);
  });
});
