import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '@stackyard/shared-tls';
import { type MariadbPeer, startMariadb, tempDir } from '@stackyard/testing';
import { createDataSource } from './data-source';
import { databaseUrlProblems } from './migrate-command';

/**
 * Service → MySQL traffic over TLS (`?ssl-ca=` on the database URL), against a real MariaDB that
 * serves TLS with a certificate from a private CA: the connection is encrypted and the server is
 * verified; a server the CA did not sign is refused.
 */
void describe('MySQL / MariaDB over TLS', { timeout: 120_000 }, () => {
  let mariadb: MariadbPeer;
  let dir: string;
  let url: string;

  before(async () => {
    dir = tempDir('stackyard-mysql-tls');
    const ca = await createCertificateAuthority('Stackyard test database CA');
    const server = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], serverAuth: true });
    const other = await createCertificateAuthority('Some other CA');
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'other-ca.pem'), other.certPem);
    writeFileSync(join(dir, 'server.pem'), server.certPem);
    writeFileSync(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
    mariadb = await startMariadb({
      reuse: false,
      serverArgs: [`--ssl-ca=${join(dir, 'ca.pem')}`, `--ssl-cert=${join(dir, 'server.pem')}`, `--ssl-key=${join(dir, 'server.key')}`],
    });
    url = await mariadb.createDatabase();
  });

  after(async () => {
    await mariadb?.stop();
  });

  const cipherOf = async (databaseUrl: string): Promise<string> => {
    const dataSource = createDataSource({ url: databaseUrl, entities: [], migrations: [], migrationsTableName: 'tls_migrations', poolSize: 1 });
    await dataSource.initialize();
    try {
      const rows = await dataSource.query<Array<{ Value: string }>>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      return rows[0]?.Value ?? '';
    } finally {
      await dataSource.destroy();
    }
  };

  void it('encrypts every connection and verifies the server when the URL names a CA', async () => {
    const cipher = await cipherOf(`${url}?ssl-ca=${encodeURIComponent(join(dir, 'ca.pem'))}`);
    assert.match(cipher, /\w/, 'a TLS cipher is in use');
    assert.equal(await cipherOf(url), '', 'without ssl-ca the connection is plain');
  });

  void it('refuses a server whose certificate the named CA did not sign', async () => {
    await assert.rejects(cipherOf(`${url}?ssl-ca=${encodeURIComponent(join(dir, 'other-ca.pem'))}`), /certificate|self[- ]signed|verify/i);
  });

  void it('reports an unreadable CA file or an unknown option at start, with the setting named', () => {
    assert.deepEqual(databaseUrlProblems(`${url}?ssl-ca=/nonexistent/ca.pem`), ["STACKYARD_DATABASE_URL: ssl-ca '/nonexistent/ca.pem' cannot be read (ENOENT)"]);
    assert.deepEqual(databaseUrlProblems(`${url}?sslmode=require`), ["STACKYARD_DATABASE_URL: unknown option 'sslmode' (supported: ssl-ca)"]);
    assert.deepEqual(databaseUrlProblems(`${url}?ssl-ca=${encodeURIComponent(join(dir, 'ca.pem'))}`), []);
  });
});
