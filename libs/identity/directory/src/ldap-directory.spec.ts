import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@stackyard/testing';
import { DirectoryError, INVALID_CREDENTIALS_MESSAGE } from './directory.error';
import { LdapDirectory } from './ldap-directory';
import { type DirectoryConfig } from './directory-config';

// No directory server here: these are the refusals that must happen before or without one.
function config(url: string, extra: Partial<DirectoryConfig> = {}): DirectoryConfig {
  return {
    kind: 'openldap',
    url,
    bindDn: 'cn=stackyard,dc=example,dc=test',
    bindPassword: 'service-secret',
    userBaseDn: 'ou=people,dc=example,dc=test',
    connectTimeoutMs: 1_000,
    operationTimeoutMs: 1_000,
    ...extra,
  };
}

function isDirectoryError(kind: DirectoryError['kind']): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DirectoryError, `expected a DirectoryError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return true;
  };
}

void describe('LdapDirectory without a server', () => {
  let closedPort: number;
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  before(async () => {
    closedPort = await freePort();
    // Accepts TCP connections and never says a word: a hung directory.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  void it('refuses to be built from a configuration with problems, naming all of them but no password', () => {
    assert.throws(
      () => new LdapDirectory(config('ldap://127.0.0.1:389', { bindPassword: 'hunter2-secret', userBaseDn: '' })),
      (error: unknown) => {
        isDirectoryError('misconfigured')(error);
        const message = (error as Error).message;
        assert.match(message, /startTls/);
        assert.match(message, /userBaseDn/);
        assert.ok(!message.includes('hunter2-secret'));
        return true;
      },
    );
  });

  void it('refuses an empty password up front, without contacting the directory', async () => {
    // The port is closed: had it tried to connect, this would be `unavailable`.
    const directory = new LdapDirectory(config(`ldaps://127.0.0.1:${closedPort}`));
    await assert.rejects(directory.authenticate('alice', ''), (error: unknown) => {
      isDirectoryError('invalid-credentials')(error);
      assert.equal((error as Error).message, INVALID_CREDENTIALS_MESSAGE);
      return true;
    });
    await assert.rejects(directory.authenticate('   ', 'pw'), isDirectoryError('invalid-credentials'));
    await assert.rejects(directory.authenticate('a'.repeat(257), 'pw'), isDirectoryError('invalid-credentials'));
  });

  void it('reports a closed port as unavailable, for sign-in and for the readiness check', async () => {
    const directory = new LdapDirectory(config(`ldaps://127.0.0.1:${closedPort}`));
    await assert.rejects(directory.authenticate('alice', 'secret'), (error: unknown) => {
      isDirectoryError('unavailable')(error);
      assert.match((error as Error).message, /ECONNREFUSED/);
      assert.ok(!(error as Error).message.includes('secret'));
      return true;
    });
    await assert.rejects(directory.check(), isDirectoryError('unavailable'));
  });

  void it('gives up on a directory that accepts the connection but never answers (TLS handshake and StartTLS)', async () => {
    for (const directory of [
      new LdapDirectory(config(`ldaps://127.0.0.1:${silentPort}`)),
      new LdapDirectory(config(`ldap://127.0.0.1:${silentPort}`, { startTls: true })),
    ]) {
      const started = Date.now();
      await assert.rejects(directory.authenticate('alice', 'secret'), isDirectoryError('unavailable'));
      assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
    }
  });
});
