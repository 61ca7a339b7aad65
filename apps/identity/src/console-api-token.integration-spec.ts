import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashAccessToken, hashSessionToken, isGeneratedAccessToken } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase, PrincipalService } from '@stackyard/identity-feature-tokens';
import {
  CONSOLE_TOKEN_KEY_FILE_NAME,
  ConsoleApiTokenService,
  consoleSessionTokenName,
  consoleTokenKey,
  DirectorySignInService,
  SessionService,
  type SignInOptions,
  UserProvisioningService,
} from '@stackyard/identity-feature-sign-in';
import { ApiError } from '@stackyard/shared-errors';
import { runMigrations } from '@stackyard/shared-db';
import { removeTempDir, tempDir } from '@stackyard/testing';
import type { DataSource } from 'typeorm';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { databaseEngines } from './testing/database-engines';

function expectStatus(status: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  };
}

void describe('the console token key', () => {
  void it('is generated once beside an embedded database, private, and kept across starts', () => {
    const dir = tempDir('stackyard-console-key');
    try {
      const url = `sqlite:${join(dir, 'db', 'identity.db')}`;
      const first = consoleTokenKey(undefined, url);
      assert.equal(first?.length, 32);
      const file = join(dir, 'db', CONSOLE_TOKEN_KEY_FILE_NAME);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(consoleTokenKey(undefined, url), first);
    } finally {
      removeTempDir(dir);
    }
  });

  void it('takes a configured key (hex or text), refuses a short one, and generates nothing for a server database', () => {
    assert.deepEqual(consoleTokenKey('ab'.repeat(32), 'mysql://u:p@127.0.0.1/identity'), Buffer.alloc(32, 0xab));
    assert.equal(consoleTokenKey('x'.repeat(40), 'sqlite:/nonexistent/identity.db')?.length, 40);
    assert.throws(() => consoleTokenKey('ab'.repeat(8), 'sqlite:/x.db'), /at least 32 bytes/);
    assert.equal(consoleTokenKey(undefined, 'mysql://u:p@127.0.0.1/identity'), undefined);
    assert.equal(existsSync(join('/nonexistent', CONSOLE_TOKEN_KEY_FILE_NAME)), false);
  });
});

for (const engine of databaseEngines()) {
  void describe(`the console's per-session api token on ${engine.name}`, () => {
    let dir: string;
    let dataSource: DataSource;
    let clock = 1_800_000_000_000;
    const options: SignInOptions = {
      sessionIdleTimeoutMs: 30 * 60_000,
      sessionAbsoluteTimeoutMs: 8 * 3_600_000,
      accountThrottle: { maxFailures: 3, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
      addressThrottle: { maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
      directories: [
        {
          id: 'corp',
          displayName: 'Corporate LDAP',
          organization: 'acme',
          teamMappings: [],
          authenticator: {
            authenticate: (username: string, password: string) =>
              password === `${username}-pw` ? Promise.resolve({ subject: `uuid-${username}`, username, displayName: username, email: `${username}@corp.test`, groups: [] }) : Promise.reject(new Error('wrong password')),
          },
        },
      ],
      consoleTokenKey: Buffer.alloc(32, 7),
      now: () => clock,
    };
    let signIn: DirectorySignInService;
    let sessions: SessionService;
    let bridge: ConsoleApiTokenService;
    let principals: PrincipalService;
    let database: IdentityDatabase;
    const newSession = async (login: string) => hashSessionToken((await signIn.signIn('corp', { username: login, password: `${login}-pw`, sourceIp: '10.0.0.1', userAgent: 'test' })).session.token);
    const principalOf = (token: string) => principals.resolve({ tokenHash: hashAccessToken(token) });

    before(async () => {
      dir = tempDir('stackyard-console-token-it');
      dataSource = createIdentityDataSource(await engine.newDatabaseUrl(dir, 'console_token'));
      await dataSource.initialize();
      await runMigrations(dataSource, IDENTITY_MIGRATION_LOCK);
      database = new IdentityDatabase(dataSource);
      sessions = new SessionService(database, options);
      const trail = new AuditTrail(database);
      signIn = new DirectorySignInService(database, new UserProvisioningService(database, trail), sessions, options, trail);
      bridge = new ConsoleApiTokenService(database, sessions, options);
      principals = new PrincipalService(database, { defaultOrganization: 'acme', now: () => clock }, trail);
    });
    after(async () => {
      await dataSource.destroy();
      await engine.stop();
      removeTempDir(dir);
    });

    void it("gives the same token for a session every time, one that the api's token resolution maps to the session's user", async () => {
      const sessionHash = await newSession('alice');
      const first = await bridge.tokenFor({ sessionHash });
      const again = await bridge.tokenFor({ sessionHash });
      assert.equal(again.token, first.token, 'derived, so asking again gives the same value');
      assert.ok(isGeneratedAccessToken(first.token), "Pulumi's token shape");
      const principal = await principalOf(first.token);
      assert.equal(principal.login, 'alice');
      assert.equal(principal.token.kind, 'personal');
      assert.equal(principal.token.name, consoleSessionTokenName(sessionHash));
      const row = await database.repositories.tokens.findByHash(hashAccessToken(first.token));
      assert.equal(row?.expiresAt, first.expiresAt, 'expires with the session');
      assert.equal(first.expiresAt, clock + options.sessionAbsoluteTimeoutMs);
      // Two concurrent requests of one session end with one row.
      const other = await newSession('alice');
      const [a, b] = await Promise.all([bridge.tokenFor({ sessionHash: other }), bridge.tokenFor({ sessionHash: other })]);
      assert.equal(a.token, b.token);
      assert.notEqual(a.token, first.token, 'each session has its own token');
    });

    void it('stops working at sign-out, and is refused for an ended session or a malformed hash', async () => {
      const sessionHash = await newSession('bob');
      const { token } = await bridge.tokenFor({ sessionHash });
      assert.equal((await principalOf(token)).login, 'bob');
      await sessions.revoke({ sessionHash });
      await bridge.revokeFor({ sessionHash });
      await assert.rejects(principalOf(token), expectStatus(401, /./));
      await assert.rejects(bridge.tokenFor({ sessionHash }), expectStatus(401, /session has ended/));
      await assert.rejects(bridge.tokenFor({ sessionHash: 'not-a-hash' }), expectStatus(400, /sessionHash/));
      await bridge.revokeFor({ sessionHash: 'not-a-hash' }); // nothing to do, not an error
      const idle = await newSession('bob');
      clock += options.sessionIdleTimeoutMs;
      await assert.rejects(bridge.tokenFor({ sessionHash: idle }), expectStatus(401, /session has ended/));
    });

    void it("replaces a session's token when the key changed (a restart without a configured key)", async () => {
      const sessionHash = await newSession('carol');
      const before = await bridge.tokenFor({ sessionHash });
      const restarted = new ConsoleApiTokenService(database, sessions, { ...options, consoleTokenKey: Buffer.alloc(32, 9) });
      const after = await restarted.tokenFor({ sessionHash });
      assert.notEqual(after.token, before.token);
      assert.equal((await principalOf(after.token)).login, 'carol');
      await assert.rejects(principalOf(before.token), expectStatus(401, /./));
    });
  });
}
