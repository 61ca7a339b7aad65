import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashAccessToken, hashSessionToken } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase, PrincipalService, TokenService } from '@stackyard/identity-feature-tokens';
import {
  CliTokenService,
  DirectorySignInError,
  type DirectoryAuthenticator,
  DirectorySignInService,
  SessionService,
  type SignInOptions,
  UserProvisioningService,
} from '@stackyard/identity-feature-sign-in';
import type { ExternalIdentity } from '@stackyard/identity-domain';
import { ApiError } from '@stackyard/shared-errors';
import { runMigrations } from '@stackyard/shared-db';
import { removeTempDir, tempDir } from '@stackyard/testing';
import type { DataSource } from 'typeorm';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK } from './data-source';
import { databaseEngines } from './testing/database-engines';

type Person = Omit<ExternalIdentity, 'provider'> & { password: string; disabled?: boolean };

/**
 * A directory that answers from a table. The LDAP/AD client itself is tested against real slapd
 * and Samba AD (libs/identity/directory); here the subject is what identity does with its answers.
 */
class TableDirectory implements DirectoryAuthenticator {
  calls = 0;
  constructor(readonly people: Map<string, Person>) {}

  authenticate(username: string, password: string): Promise<Omit<ExternalIdentity, 'provider'>> {
    this.calls++;
    const person = this.people.get(username);
    if (!person || person.password !== password) return Promise.reject(new DirectorySignInError('invalid-credentials', `no match for '${username}'`));
    if (person.disabled) return Promise.reject(new DirectorySignInError('disabled', `'${username}' is disabled`));
    const { password: _password, disabled: _disabled, ...identity } = person;
    return Promise.resolve(identity);
  }
}

const PLATFORM = 'cn=platform,ou=groups,dc=corp,dc=test';
const ENGINEERING = 'cn=engineering,ou=groups,dc=corp,dc=test';

function person(username: string, subject: string, groups: string[], extra: Partial<Person> = {}): Person {
  return {
    subject,
    username,
    displayName: username.toUpperCase(),
    email: `${username}@corp.test`,
    groups: groups.map((dn) => ({ id: dn, name: dn.slice(3, dn.indexOf(',')) })),
    password: `${username}-pw`,
    ...extra,
  };
}

function expectStatus(status: number, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  };
}

for (const engine of databaseEngines()) {
  void describe(`directory sign-in, sessions and CLI tokens on ${engine.name}`, () => {
    let dir: string;
    let dataSource: DataSource;
    let clock = 1_800_000_000_000;
    const corp = new TableDirectory(new Map());
    const other = new TableDirectory(new Map());
    const options: SignInOptions = {
      sessionIdleTimeoutMs: 30 * 60_000,
      sessionAbsoluteTimeoutMs: 8 * 3_600_000,
      accountThrottle: { maxFailures: 3, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
      addressThrottle: { maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
      directories: [
        { id: 'corp', displayName: 'Corporate LDAP', organization: 'acme', teamMappings: [{ group: PLATFORM, team: 'platform' }, { group: 'engineering', team: 'eng' }], authenticator: corp },
        { id: 'other', displayName: 'Other AD', organization: 'acme', teamMappings: [], authenticator: other },
      ],
      now: () => clock,
    };
    let signIn: DirectorySignInService;
    let sessions: SessionService;
    let cliTokens: CliTokenService;
    let principals: PrincipalService;
    let database: IdentityDatabase;
    const form = (username: string, password: string, sourceIp = '10.0.0.1') => ({ username, password, sourceIp, userAgent: 'test' });

    before(async () => {
      dir = tempDir('stackyard-sign-in-it');
      dataSource = createIdentityDataSource(await engine.newDatabaseUrl(dir, 'sign_in'));
      await dataSource.initialize();
      await runMigrations(dataSource, IDENTITY_MIGRATION_LOCK);
      database = new IdentityDatabase(dataSource);
      sessions = new SessionService(database, options);
      const trail = new AuditTrail(database);
      signIn = new DirectorySignInService(database, new UserProvisioningService(database, trail), sessions, options, trail);
      const tokenOptions = { defaultOrganization: 'acme', now: () => clock };
      cliTokens = new CliTokenService(sessions, new TokenService(database, tokenOptions), trail);
      principals = new PrincipalService(database, tokenOptions, trail);
      corp.people.set('alice', person('alice', 'uuid-alice', [PLATFORM, ENGINEERING]));
      corp.people.set('bob', person('bob', 'uuid-bob', [], { disabled: true }));
      other.people.set('alice', person('alice', 'guid-other-alice', []));
    });
    after(async () => {
      await dataSource.destroy();
      await engine.stop();
      removeTempDir(dir);
    });

    void it('creates the user on first sign-in, in the organization, with the mapped teams', async () => {
      const response = await signIn.signIn('corp', form('alice', 'alice-pw'));
      assert.equal(response.user.login, 'alice');
      assert.equal(response.user.name, 'ALICE');
      assert.equal(response.session.idleTimeoutSeconds, 1800);
      const resolved = await sessions.resolve({ sessionHash: hashSessionToken(response.session.token) });
      assert.deepEqual(resolved.organizations, [{ name: 'acme', role: 'member' }]);
      assert.deepEqual(await database.repositories.teams.teamsOf(resolved.userId), [
        { organization: 'acme', team: 'eng' },
        { organization: 'acme', team: 'platform' },
      ]);
    });

    void it('finds the same user by (provider, subject) and follows the directory for name and groups, keeping manual memberships', async () => {
      const first = await sessions.resolve({ sessionHash: hashSessionToken((await signIn.signIn('corp', form('alice', 'alice-pw'))).session.token) });
      // An admin adds alice to a team by hand; the directory then drops her from 'platform'.
      const acme = (await database.repositories.organizations.findByName('acme'))!;
      await database.repositories.teams.insert({ id: 'team-ops', orgId: acme.id, name: 'ops', createdAt: clock });
      await database.repositories.teams.syncMemberships(first.userId, 'manual', ['team-ops'], clock);
      corp.people.set('alice', person('alice', 'uuid-alice', [ENGINEERING], { displayName: 'Alice Liddell', email: 'alice@new.test' }));
      const again = await signIn.signIn('corp', form('alice', 'alice-pw'));
      assert.equal(again.user.id, first.userId);
      assert.equal(again.user.name, 'Alice Liddell');
      assert.deepEqual(
        (await database.repositories.teams.teamsOf(first.userId)).map((t) => t.team),
        ['eng', 'ops'],
      );
      assert.equal((await database.repositories.users.findById(first.userId))!.email, 'alice@new.test');
    });

    void it('gives another provider\'s "alice" her own user and login', async () => {
      const response = await signIn.signIn('other', form('alice', 'alice-pw'));
      assert.equal(response.user.login, 'alice-2');
      const corpAlice = await database.repositories.users.findByLogin('alice');
      assert.notEqual(response.user.id, corpAlice!.id);
    });

    void it('answers the same 401 for an unknown user and a wrong password, and locks the account after repeated failures', async () => {
      await assert.rejects(signIn.signIn('corp', form('nobody', 'x', '10.0.0.2')), expectStatus(401, /username or password is not correct/));
      for (let i = 0; i < 3; i++) await assert.rejects(signIn.signIn('corp', form('alice', 'wrong', '10.0.0.2')), expectStatus(401, /username or password is not correct/));
      const callsBefore = corp.calls;
      await assert.rejects(signIn.signIn('corp', form('alice', 'alice-pw', '10.0.0.3')), expectStatus(429, /too many failed sign-ins; try again in 15 minutes/));
      assert.equal(corp.calls, callsBefore, 'a locked account is not even tried against the directory');
      clock += 15 * 60_000;
      await signIn.signIn('corp', form('alice', 'alice-pw', '10.0.0.3'));
      // Success cleared the account's failures: three more are needed to lock it again.
      for (let i = 0; i < 2; i++) await assert.rejects(signIn.signIn('corp', form('alice', 'wrong', '10.0.0.4')), expectStatus(401, /not correct/));
      await signIn.signIn('corp', form('alice', 'alice-pw', '10.0.0.4'));
    });

    void it('locks a source address that sprays many accounts', async () => {
      for (let i = 0; i < 10; i++) await assert.rejects(signIn.signIn('corp', form(`user${i}`, 'x', '10.9.9.9')), expectStatus(401, /not correct/));
      await assert.rejects(signIn.signIn('corp', form('alice', 'alice-pw', '10.9.9.9')), expectStatus(429, /too many failed/));
      await signIn.signIn('corp', form('alice', 'alice-pw', '10.9.9.10'));
    });

    void it('refuses a disabled directory user with 403 and bad requests with 400', async () => {
      await assert.rejects(signIn.signIn('corp', form('bob', 'bob-pw', '10.0.1.1')), expectStatus(403, /disabled in the directory/));
      await assert.rejects(signIn.signIn('corp', form('alice', '', '10.0.1.1')), expectStatus(400, /password must be/));
      await assert.rejects(signIn.signIn('corp', { username: 'alice', password: 'alice-pw' }), expectStatus(400, /sourceIp/));
      await assert.rejects(signIn.signIn('nope', form('alice', 'alice-pw')), expectStatus(404, /no directory sign-in method 'nope'/));
    });

    void it('ends sessions on sign-out, after the idle timeout and at the absolute timeout', async () => {
      const token = async () => (await signIn.signIn('corp', form('alice', 'alice-pw', '10.0.2.1'))).session.token;
      const ended = expectStatus(401, /session has ended/);

      const signedOut = hashSessionToken(await token());
      await sessions.revoke({ sessionHash: signedOut });
      await assert.rejects(sessions.resolve({ sessionHash: signedOut }), ended);
      await sessions.revoke({ sessionHash: signedOut }); // twice is fine

      const idle = hashSessionToken(await token());
      clock += 29 * 60_000;
      await sessions.resolve({ sessionHash: idle }); // use resets the idle timer
      clock += 29 * 60_000;
      await sessions.resolve({ sessionHash: idle });
      clock += 30 * 60_000;
      await assert.rejects(sessions.resolve({ sessionHash: idle }), ended);

      const absolute = hashSessionToken(await token());
      // Used every 25 minutes, so never idle: 19 × 25 = 475 minutes is within the 8 hours, 500 is not.
      for (let i = 0; i < 19; i++) {
        clock += 25 * 60_000;
        await sessions.resolve({ sessionHash: absolute });
      }
      clock += 25 * 60_000;
      await assert.rejects(sessions.resolve({ sessionHash: absolute }), ended);
      await assert.rejects(sessions.resolve({ sessionHash: 'not-a-hash' }), expectStatus(400, /sessionHash/));
    });

    void it('mints a personal CLI token for the session user, with the CLI description and a unique name', async () => {
      const session = hashSessionToken((await signIn.signIn('corp', form('alice', 'alice-pw', '10.0.3.1'))).session.token);
      const description = 'Generated by pulumi login on laptop at 26 Nov 26 15:40 UTC';
      const first = await cliTokens.mint({ sessionHash: session, description });
      const second = await cliTokens.mint({ sessionHash: session, description });
      assert.notEqual(first.name, second.name);
      assert.match(first.token, /^pul-[0-9a-f]{40}$/);
      const principal = await principals.resolve({ tokenHash: hashAccessToken(first.token) });
      assert.equal(principal.login, 'alice');
      assert.deepEqual(principal.token, { id: first.id, name: first.name, kind: 'personal' });
      assert.equal((await database.repositories.tokens.findById(first.id))!.description, description);
      await sessions.revoke({ sessionHash: session });
      await assert.rejects(cliTokens.mint({ sessionHash: session, description }), expectStatus(401, /session has ended/));
      await assert.rejects(cliTokens.mint({ sessionHash: session, description: 'x\u0007' }), expectStatus(400, /description/));
    });
  });
}
