import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ExternalIdentity, generateAccessToken, hashSessionToken } from '@stackyard/identity-domain';
import {
  DatabaseAssertionReplayStore,
  DatabaseRequestIdStore,
  DirectorySignInError,
  DirectorySignInService,
  SessionService,
  type SignInOptions,
  sweepSamlState,
  UserProvisioningService,
} from '@stackyard/identity-feature-sign-in';
import { AuditTrail, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import {
  identityOrgSamlPath,
  identityOrgSamlSpMetadataPath,
  identitySamlAcsPath,
  identitySamlStartPath,
  identitySamlTestAcsPath,
  identitySamlTestStartPath,
  IDENTITY_SESSION_RESOLVE_PATH,
  IDENTITY_SIGN_IN_METHODS_PATH,
  type ResolveSessionResponse,
  type SamlConfigResponse,
  type SamlSpMetadataResponse,
  type SamlStartResponse,
  type SamlTestReport,
  type SamlTestStartResponse,
  type SignInMethodsResponse,
  type SignInResponse,
} from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { createTestSigningCertificate, removeTempDir, type SimpleSamlPhpPeer, startSimpleSamlPhp, tempDir, type TestSigningCertificate } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';
import { forgedResponse, tamperedNameId, unsignedAssertion, wrappedSignature } from './testing/saml-responses';

/**
 * SAML sign-in through the real identity service (routes, mutual TLS, both database engines) and a
 * real IdP (SimpleSAMLphp): configuration upload, the sign-in with user provisioning and group →
 * team mapping, each kind of refused assertion (status, message, audit line, no session), replay
 * protection across two replicas sharing one database, and SAML enforcement with break-glass.
 */

const CONSOLE = 'https://console.stackyard.test';
const ORG = 'acme';
const SP_ENTITY_ID = `${CONSOLE}/saml/${ORG}`;
const ACS_URL = `${SP_ENTITY_ID}/acs`;
const ALICE = { username: 'alice', password: 'alice-password', mail: 'alice@acme.test', displayName: 'Alice Example', groups: ['platform', 'on-call'] };
const BOB = { username: 'bob', password: 'bob-password', mail: 'bob@acme.test', displayName: 'Bob Example', groups: ['developers'] };

/** Audit lines (JSON, the `audit` logger) as the service writes them to stdout, which passes through unchanged. */
class AuditLog {
  readonly lines: string[] = [];
  private readonly write = process.stdout.write.bind(process.stdout);

  capture(): void {
    const write = this.write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.lines.push(...String(chunk).split('\n'));
      return write(chunk, ...rest);
    };
  }

  release(): void {
    process.stdout.write = this.write;
  }

  events(event: string): Array<Record<string, unknown>> {
    const found: Array<Record<string, unknown>> = [];
    for (const line of this.lines) {
      if (!line.includes('"context":"audit"')) continue;
      const entry = JSON.parse(line) as { message: string };
      const record = JSON.parse(entry.message) as Record<string, unknown>;
      if (record['event'] === event) found.push(record);
    }
    return found;
  }

  last(event: string): Record<string, unknown> | undefined {
    return this.events(event).at(-1);
  }
}

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, relayUnavailableMessages: true, timeoutMs: 20_000 });
}

async function rejects(promise: Promise<unknown>, status: number, message: RegExp): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected HTTP ${status}`);
}

const audit = new AuditLog();
let idp: SimpleSamlPhpPeer;
let idpKey: TestSigningCertificate;

before(async () => {
  audit.capture();
  idp = await startSimpleSamlPhp({ sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL }, users: [ALICE, BOB] });
  idpKey = { certificatePem: idp.certificatePem, privateKeyPem: idp.privateKeyPem };
});
after(async () => {
  audit.release();
  await idp?.stop();
});

for (const engine of databaseEngines()) {
  void describe(`SAML sign-in through the identity service on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let replicaA: RunningIdentity;
    let replicaB: RunningIdentity;
    let consoleA: InternalClient;
    let consoleB: InternalClient;
    let database: IdentityDatabase;
    const bootstrapToken = generateAccessToken();
    const people = new Map<string, Omit<ExternalIdentity, 'provider'>>();
    let directory: DirectorySignInService;
    let sessions: SessionService;

    const sessionCount = async () => Number((await replicaA.dataSource.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM sessions'))[0].n);
    /** A real SP-initiated sign-in at the IdP: the SAMLResponse and the request ID this "browser" holds. */
    const realResponse = async (user = ALICE, client = consoleA): Promise<{ samlResponse: string; requestId: string }> => {
      const started = await client.post<SamlStartResponse>(identitySamlStartPath(ORG), {});
      const result = await idp.signIn({ authorizeUrl: started.redirectUrl, username: user.username, password: user.password });
      assert.equal(result.kind, 'saml-response', result.kind === 'login-refused' ? result.error : '');
      assert.equal(result.acsUrl, ACS_URL, 'the IdP posts to the console ACS URL identity announced');
      return { samlResponse: result.samlResponse, requestId: started.requestId };
    };
    const acs = (samlResponse: string, expectedRequestId: string, client = consoleA) =>
      client.post<SignInResponse>(identitySamlAcsPath(ORG), { samlResponse, expectedRequestId, sourceIp: '198.51.100.7', userAgent: 'test-browser' });
    const forged = async (fields: Partial<Parameters<typeof forgedResponse>[0]> = {}, key: TestSigningCertificate = idpKey) => {
      const { requestId } = await consoleA.post<SamlStartResponse>(identitySamlStartPath(ORG), {});
      return { requestId, samlResponse: forgedResponse({ issuer: idp.entityId, audience: SP_ENTITY_ID, recipient: ACS_URL, inResponseTo: requestId, nameId: ALICE.mail, ...fields }, key) };
    };

    before(async () => {
      dir = tempDir('stackyard-saml-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      const databaseUrl = await engine.newDatabaseUrl(dir, 'identity');
      const env = {
        STACKYARD_DATABASE_URL: databaseUrl,
        STACKYARD_PORT: '0',
        STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
        STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
        STACKYARD_INTERNAL_CA_FILE: pki.caFile,
        STACKYARD_LOG_FORMAT: 'json',
        STACKYARD_CONSOLE_URL: `${CONSOLE}/ignored-path`,
        STACKYARD_BOOTSTRAP_ADMIN_TOKEN: bootstrapToken,
        STACKYARD_BOOTSTRAP_ORG: ORG,
        STACKYARD_BREAK_GLASS_LOGINS: 'ops, oncall',
      };
      // Two replicas on one database: a response may reach either, and a replay must fail on both.
      replicaA = await startIdentity(loadIdentityConfig(env));
      replicaB = await startIdentity(loadIdentityConfig(env));
      consoleA = clientAs(pki, 'console-backend', replicaA.url);
      consoleB = clientAs(pki, 'console-backend', replicaB.url);
      database = new IdentityDatabase(replicaA.dataSource);
      const options: SignInOptions = {
        sessionIdleTimeoutMs: 3_600_000,
        sessionAbsoluteTimeoutMs: 12 * 3_600_000,
        accountThrottle: { maxFailures: 5, windowMs: 900_000, lockMs: 900_000 },
        addressThrottle: { maxFailures: 100, windowMs: 900_000, lockMs: 900_000 },
        directories: [
          {
            id: 'corp',
            displayName: 'Corporate directory',
            organization: ORG,
            teamMappings: [],
            authenticator: {
              authenticate: (username: string, password: string) => {
                const person = people.get(username);
                if (!person || password !== `${username}-pw`) return Promise.reject(new DirectorySignInError('invalid-credentials', `no match for '${username}'`));
                return Promise.resolve(person);
              },
            },
          },
        ],
        breakGlassLogins: ['admin', 'ops', 'oncall'],
      };
      sessions = new SessionService(database, options);
      const trail = new AuditTrail(database);
      directory = new DirectorySignInService(database, new UserProvisioningService(database, trail), sessions, options, trail);
      for (const username of ['ops', 'dev', 'admin', 'oncall']) people.set(username, { subject: `uuid-${username}`, username, displayName: username, email: `${username}@corp.test`, groups: [] });
    });
    after(async () => {
      consoleA?.close();
      consoleB?.close();
      await replicaB?.close();
      await replicaA?.close();
      await engine.stop();
      removeTempDir(dir);
    });

    void it('is for the console only: the api peer gets 403 on every SAML route', async () => {
      const api = clientAs(pki, 'api', replicaA.url);
      try {
        await rejects(api.post(identitySamlStartPath(ORG), {}), 403, /console backend only/);
        await rejects(api.get(identityOrgSamlPath(ORG)), 403, /console backend only/);
        await rejects(api.call('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml }), 403, /console backend only/);
      } finally {
        api.close();
      }
    });

    void it('lets directory users of acme sign in while acme has no SAML', async () => {
      await directory.signIn('corp', { username: 'ops', password: 'ops-pw', sourceIp: '10.0.0.1' });
      await directory.signIn('corp', { username: 'dev', password: 'dev-pw', sourceIp: '10.0.0.1' });
    });

    void it('announces the SP before any IdP is configured: console-host URLs and metadata; no sign-in yet', async () => {
      const summary = await consoleA.get<SamlConfigResponse>(identityOrgSamlPath(ORG));
      assert.deepEqual(summary.serviceProvider, { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, metadataUrl: `${SP_ENTITY_ID}/metadata` });
      assert.equal(summary.configured, false);
      const metadata = await consoleA.get<SamlSpMetadataResponse>(identityOrgSamlSpMetadataPath(ORG));
      assert.match(metadata.metadataXml, new RegExp(`entityID="${SP_ENTITY_ID}"`));
      assert.match(metadata.metadataXml, new RegExp(`Location="${ACS_URL}"`));
      assert.match(metadata.metadataXml, /WantAssertionsSigned="true"/);
      assert.deepEqual((await consoleA.get<SignInMethodsResponse>(IDENTITY_SIGN_IN_METHODS_PATH)).methods, []);
      await rejects(consoleA.post(identitySamlStartPath(ORG), {}), 404, /organization 'acme' has no SAML sign-in enabled/);
      await rejects(consoleA.get(identityOrgSamlPath('nope')), 404, /no organization 'nope'/);
    });

    void it('refuses IdP metadata that does not validate, with 400 and the reason, and stores nothing', async () => {
      const put = (body: unknown) => consoleA.call('PUT', identityOrgSamlPath(ORG), body);
      const updates = audit.events('sso.config.updated').length;
      await rejects(put({ idpMetadataXml: 'this is not XML' }), 400, /IdP metadata was refused: .*XML/);
      await rejects(put({ idpMetadataXml: (await consoleA.get<SamlSpMetadataResponse>(identityOrgSamlSpMetadataPath(ORG))).metadataXml }), 400, /no IDPSSODescriptor.*SP's metadata/);
      const expired = await createTestSigningCertificate({ commonName: 'old-idp', notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
      await rejects(put({ idpMetadataXml: withCertificate(idp.metadataXml, expired.certificatePem) }), 400, /signing certificate #1 .* expired on/);
      await rejects(put({ idpMetadataXml: idp.metadataXml, teamMappings: [{ group: 'platform', team: 'no spaces' }] }), 400, /teamMappings\[0\]\.team must be/);
      await rejects(put({}), 400, /idpMetadataXml is required/);
      await rejects(consoleA.call('PUT', identityOrgSamlPath('nope'), { idpMetadataXml: idp.metadataXml }), 404, /no organization 'nope'/);
      assert.equal((await consoleA.get<SamlConfigResponse>(identityOrgSamlPath(ORG))).configured, false);
      assert.equal(audit.events('sso.config.updated').length, updates);
    });

    void it('stores the IdP metadata and mappings, offers "acme SSO", and audits the change without the XML', async () => {
      const summary = await consoleA.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), {
        idpMetadataXml: idp.metadataXml,
        teamMappings: [
          { group: 'Platform', team: 'platform' },
          { group: 'developers', team: 'devs' },
        ],
      });
      assert.equal(summary.configured, true);
      assert.equal(summary.enabled, true);
      assert.equal(summary.idp?.entityId, idp.entityId);
      assert.equal(summary.idp?.ssoUrl, `${idp.baseUrl}/saml2/idp/SSOService.php`);
      assert.equal(summary.groupsAttribute, 'groups');
      assert.equal(summary.updatedBy, 'operator');
      assert.deepEqual((await consoleB.get<SignInMethodsResponse>(IDENTITY_SIGN_IN_METHODS_PATH)).methods, [{ id: ORG, kind: 'saml', displayName: 'acme SSO' }]);
      const record = audit.last('sso.config.updated');
      assert.deepEqual(record, { event: 'sso.config.updated', organization: ORG, actor: 'operator', enabled: true, idpEntityId: idp.entityId, groupsAttribute: 'groups', teamMappings: 2 });
      assert.ok(!audit.lines.some((line) => line.includes('EntityDescriptor') || line.includes('X509Certificate')), 'the metadata XML is never logged');
    });

    void it('signs alice in through SimpleSAMLphp: the user by NameID, profile from attributes, a group → team, a session', async () => {
      const { samlResponse, requestId } = await realResponse(ALICE, consoleA);
      // Started at one replica, answered at the other: the request lives in the shared database.
      const signedIn = await acs(samlResponse, requestId, consoleB);
      assert.equal(signedIn.user.login, 'alice');
      assert.equal(signedIn.user.name, ALICE.displayName);
      assert.ok(signedIn.session.expiresAt <= Date.now() + 12 * 3_600_000);
      const session = await consoleA.post<ResolveSessionResponse>(IDENTITY_SESSION_RESOLVE_PATH, { sessionHash: hashSessionToken(signedIn.session.token) });
      assert.equal(session.user.email, ALICE.mail);
      assert.deepEqual(session.organizations, [{ name: ORG, role: 'member' }]);
      assert.deepEqual(await database.repositories.teams.teamsOf(signedIn.user.id), [{ organization: ORG, team: 'platform' }]);
      assert.equal((await database.repositories.identities.find('saml:acme', ALICE.mail))?.userId, signedIn.user.id);
      assert.deepEqual(audit.last('auth.sign-in.succeeded'), {
        event: 'auth.sign-in.succeeded',
        method: 'saml:acme',
        organization: ORG,
        sourceIp: '198.51.100.7',
        user: 'alice',
        userCreated: true,
        teamsAdded: 1,
        teamsRemoved: 0,
      });

      const again = await realResponse(ALICE, consoleB);
      assert.equal((await acs(again.samlResponse, again.requestId, consoleA)).user.id, signedIn.user.id, 'the same NameID is the same user');
      assert.equal(audit.last('auth.sign-in.succeeded')?.['userCreated'], false);
    });

    void it('lets an org admin change the configuration through their console session, and no one else', async () => {
      const admin = (await database.repositories.users.findByLogin('admin'))!;
      const adminSession = await sessions.create(admin, { provider: 'test', sourceIp: '127.0.0.1', userAgent: 'test' });
      const bob = await realResponse(BOB);
      const bobSession = await acs(bob.samlResponse, bob.requestId);
      const put = (token: string) => consoleA.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml, sessionHash: hashSessionToken(token) });
      await rejects(put(bobSession.session.token), 403, /only an admin of organization 'acme' may change its SAML configuration/);
      const summary = await put(adminSession.session.token);
      assert.equal(summary.updatedBy, 'admin');
      assert.equal(summary.teamMappings.length, 2, 'fields left out keep their value');
      assert.equal(audit.last('sso.config.updated')?.['actor'], 'admin');
      // Bob's IdP group mapped him into `devs`.
      assert.deepEqual(await database.repositories.teams.teamsOf(bobSession.user.id), [{ organization: ORG, team: 'devs' }]);
    });

    void describe('refuses, with status, message and audit line, and opens no session', () => {
      const cases: Array<{ name: string; reason: string; status: number; message: RegExp; response: () => Promise<{ samlResponse: string; requestId: string }> }> = [
        {
          name: 'an unsigned assertion (signature removed)',
          reason: 'unsigned',
          status: 401,
          message: /SAML sign-in refused: the assertion is not signed/,
          response: async () => {
            const real = await realResponse();
            return { ...real, samlResponse: unsignedAssertion(real.samlResponse) };
          },
        },
        {
          name: 'a NameID changed after signing',
          reason: 'bad-signature',
          status: 401,
          message: /SAML sign-in refused: the assertion's signature does not verify/,
          response: async () => {
            const real = await realResponse();
            return { ...real, samlResponse: tamperedNameId(real.samlResponse, BOB.mail) };
          },
        },
        {
          name: 'an assertion signed by another key',
          reason: 'bad-signature',
          status: 401,
          message: /SAML sign-in refused: .*signature/,
          response: async () => forged({}, await createTestSigningCertificate({ commonName: 'attacker' })),
        },
        {
          name: 'signature wrapping (the signed assertion hidden, an evil one in its place)',
          reason: 'bad-signature',
          status: 401,
          message: /SAML sign-in refused: .*signature-wrapping guard/,
          response: async () => {
            const real = await realResponse();
            return { ...real, samlResponse: wrappedSignature(real.samlResponse, BOB.mail) };
          },
        },
        {
          name: 'an assertion for another service provider (audience)',
          reason: 'wrong-audience',
          status: 401,
          message: /SAML sign-in refused: .*audience/i,
          response: () => forged({ audience: `${CONSOLE}/saml/other` }),
        },
        {
          name: 'an expired assertion',
          reason: 'expired',
          status: 401,
          message: /SAML sign-in refused: .*Start the sign-in again/,
          response: () => forged({ notOnOrAfter: new Date(Date.now() - 5 * 60_000) }),
        },
        {
          name: 'a response for another browser’s sign-in',
          reason: 'unknown-request',
          status: 401,
          message: /answers another AuthnRequest than the one this browser started/,
          response: async () => ({ samlResponse: (await realResponse()).samlResponse, requestId: (await consoleA.post<SamlStartResponse>(identitySamlStartPath(ORG), {})).requestId }),
        },
        {
          name: 'an IdP-initiated (unsolicited) response',
          reason: 'unknown-request',
          status: 401,
          message: /unsolicited \(IdP-initiated\) responses are not accepted/,
          response: () => forged({ inResponseTo: undefined }),
        },
        {
          name: 'a SAMLResponse that is not a SAML response',
          reason: 'malformed',
          status: 400,
          message: /SAML sign-in refused/,
          response: async () => ({ samlResponse: Buffer.from('<html>hello</html>').toString('base64'), requestId: (await consoleA.post<SamlStartResponse>(identitySamlStartPath(ORG), {})).requestId }),
        },
      ];
      for (const refusal of cases) {
        void it(refusal.name, async () => {
          const { samlResponse, requestId } = await refusal.response();
          const before = await sessionCount();
          const failuresBefore = audit.events('auth.sign-in.failed').length;
          await rejects(acs(samlResponse, requestId), refusal.status, refusal.message);
          assert.equal(await sessionCount(), before, 'no session');
          const failures = audit.events('auth.sign-in.failed');
          assert.equal(failures.length, failuresBefore + 1);
          assert.equal(failures.at(-1)?.['reason'], refusal.reason);
          assert.equal(failures.at(-1)?.['method'], 'saml:acme');
          assert.ok(!JSON.stringify(failures.at(-1)).includes(samlResponse.slice(0, 40)), 'the assertion is not logged');
        });
      }

      void it('a replayed assertion, at the other replica', async () => {
        const { samlResponse, requestId } = await realResponse();
        await acs(samlResponse, requestId, consoleA);
        const before = await sessionCount();
        await rejects(acs(samlResponse, requestId, consoleB), 401, /SAML sign-in refused: this assertion was already used to sign in/);
        assert.equal(await sessionCount(), before);
        assert.equal(audit.last('auth.sign-in.failed')?.['reason'], 'replayed');
      });
    });

    void it('lets exactly one of two simultaneous posts of one response through, across replicas', async () => {
      const { samlResponse, requestId } = await realResponse();
      const outcomes = await Promise.allSettled([acs(samlResponse, requestId, consoleA), acs(samlResponse, requestId, consoleB)]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, JSON.stringify(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))));
      const refused = outcomes.find((o) => o.status === 'rejected')!.reason as UpstreamError;
      assert.equal(refused.status, 401);
      assert.match(refused.message, /already used/);
    });

    void it('keeps request IDs and used assertions in the database: single use, per SP, expiring, swept', async () => {
      const requests = new DatabaseRequestIdStore(database);
      const replay = new DatabaseAssertionReplayStore(database);
      const future = new Date(Date.now() + 60_000);
      await requests.save('_request-1', SP_ENTITY_ID, future);
      assert.equal(await requests.consume('_request-1', `${CONSOLE}/saml/other`), false, 'another organization’s SP cannot answer it');
      assert.equal(await requests.consume('_request-1', SP_ENTITY_ID), true);
      assert.equal(await requests.consume('_request-1', SP_ENTITY_ID), false, 'single use');
      await requests.save('_request-2', SP_ENTITY_ID, new Date(Date.now() - 1));
      assert.equal(await requests.consume('_request-2', SP_ENTITY_ID), false, 'expired');
      assert.equal(await requests.consume('x'.repeat(300), SP_ENTITY_ID), false);

      assert.equal(await replay.markConsumed(idp.entityId, '_a1', future), true);
      assert.equal(await replay.markConsumed(idp.entityId, '_a1', future), false, 'a replay');
      assert.equal(await new DatabaseAssertionReplayStore(new IdentityDatabase(replicaB.dataSource)).markConsumed(idp.entityId, '_a1', future), false, 'a replay at another replica');
      assert.equal(await replay.markConsumed('https://other-idp.test', '_a1', future), true, 'IDs are per IdP');
      assert.equal(await replay.markConsumed(idp.entityId, '_a2', new Date(Date.now() - 1)), true);
      assert.equal(await replay.markConsumed(idp.entityId, '_a2', future), true, 'an expired record (not swept yet) does not block');

      await requests.save('_request-3', SP_ENTITY_ID, new Date(Date.now() - 1));
      await replay.markConsumed(idp.entityId, '_a3', new Date(Date.now() - 1));
      await sweepSamlState(database);
      const expired = async (table: string) => Number((await replicaA.dataSource.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${table} WHERE expires_at <= ?`, [Date.now()]))[0].n);
      assert.equal(await expired('saml_requests'), 0);
      assert.equal(await expired('saml_consumed_assertions'), 0);
    });

    void it('requires SAML of acme’s directory users now, except break-glass logins (403 otherwise, audited)', async () => {
      const form = (username: string) => ({ username, password: `${username}-pw`, sourceIp: '10.0.0.2' });
      const samlRequired = (error: unknown) => {
        assert.ok(error instanceof ApiError, String(error));
        assert.equal(error.status, 403);
        assert.match(error.message, /this organization requires SAML sign-in; use "acme SSO"/);
        return true;
      };
      await assert.rejects(directory.signIn('corp', form('dev')), samlRequired);
      assert.equal(audit.last('auth.sign-in.failed')?.['reason'], 'saml-required');
      // A directory entry named like the bootstrap admin is another person: the login `admin` is taken.
      await assert.rejects(directory.signIn('corp', form('admin')), samlRequired);
      assert.equal((await directory.signIn('corp', form('ops'))).user.login, 'ops', 'a break-glass user who signed in before');
      assert.equal((await directory.signIn('corp', form('oncall'))).user.login, 'oncall', 'a break-glass login not taken yet');
    });

    void it('stops offering and requiring SAML when disabled, keeping the configuration', async () => {
      const summary = await consoleA.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml, enabled: false });
      assert.equal(summary.enabled, false);
      assert.equal(summary.teamMappings.length, 2);
      assert.deepEqual((await consoleA.get<SignInMethodsResponse>(IDENTITY_SIGN_IN_METHODS_PATH)).methods, []);
      await rejects(consoleA.post(identitySamlStartPath(ORG), {}), 404, /has no SAML sign-in enabled/);
      assert.equal((await directory.signIn('corp', { username: 'dev', password: 'dev-pw', sourceIp: '10.0.0.3' })).user.login, 'dev');
      await consoleA.call('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idp.metadataXml, enabled: true });
    });

    void it('lets an org admin test the saved configuration while it is disabled: a report, and no session, user or team change', async () => {
      const admin = (await database.repositories.users.findByLogin('admin'))!;
      const adminHash = hashSessionToken((await sessions.create(admin, { provider: 'test', sourceIp: '127.0.0.1', userAgent: 'test' })).session.token);
      const bob = await realResponse(BOB);
      const bobHash = hashSessionToken((await acs(bob.samlResponse, bob.requestId)).session.token);
      // Saved without new metadata: the stored metadata is kept, and returned to admins.
      const disabled = await consoleA.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { enabled: false });
      assert.equal(disabled.enabled, false);
      assert.equal(disabled.idpMetadataXml, idp.metadataXml.trim());
      assert.equal((await consoleB.get<SamlConfigResponse>(identityOrgSamlPath(ORG))).idpMetadataXml, idp.metadataXml.trim());
      await rejects(consoleA.call('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: '' }), 400, /idpMetadataXml must be/);

      const testStart = (sessionHash: string) => consoleA.post<SamlTestStartResponse>(identitySamlTestStartPath(ORG), { sessionHash });
      const testAcs = (samlResponse: string, expectedRequestId: string, login = 'admin', client = consoleA) =>
        client.post<SamlTestReport>(identitySamlTestAcsPath(ORG), { samlResponse, expectedRequestId, login, sourceIp: '198.51.100.9' });
      await rejects(testStart(bobHash), 403, /only an admin of organization 'acme'/);
      await rejects(consoleA.post(identitySamlTestStartPath(ORG), {}), 400, /sessionHash/);
      await rejects(consoleA.post(identitySamlTestAcsPath(ORG), { samlResponse: 'x', expectedRequestId: '_x', sourceIp: '1.2.3.4' }), 400, /login/);

      const started = await testStart(adminHash);
      assert.equal(started.login, 'admin');
      const answered = await idp.signIn({ authorizeUrl: started.redirectUrl, username: ALICE.username, password: ALICE.password });
      assert.equal(answered.kind, 'saml-response');
      if (answered.kind !== 'saml-response') return;
      const alice = (await database.repositories.users.findByLogin('alice'))!;
      const teamsBefore = await database.repositories.teams.teamsOf(alice.id);
      const sessionsBefore = await sessionCount();
      const usersBefore = Number((await replicaA.dataSource.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM users'))[0].n);
      // Answered at the other replica: the test request lives in the shared database.
      const report = await testAcs(answered.samlResponse, started.requestId, 'admin', consoleB);
      assert.equal(report.succeeded, true, JSON.stringify(report.failure));
      assert.equal(report.nameId, ALICE.mail);
      assert.equal(report.username, ALICE.mail);
      assert.equal(report.email, ALICE.mail);
      assert.deepEqual(report.groups, ALICE.groups);
      assert.deepEqual(report.teams, ['platform']);
      assert.ok(report.attributeNames.includes('groups'), report.attributeNames.join(','));
      assert.equal(await sessionCount(), sessionsBefore, 'no session');
      assert.equal(Number((await replicaA.dataSource.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM users'))[0].n), usersBefore, 'no user');
      assert.deepEqual(await database.repositories.teams.teamsOf(alice.id), teamsBefore, 'no team change');
      const line = audit.last('sso.test.succeeded');
      assert.deepEqual([line?.['actor'], line?.['organization'], line?.['teams']], ['admin', ORG, 1]);
      // The same answer once more: validated as fully as a sign-in, so refused (the request is consumed, the assertion used).
      const again = await testAcs(answered.samlResponse, started.requestId);
      assert.equal(again.succeeded, false);
      assert.ok(['replayed', 'unknown-request'].includes(again.failure?.kind ?? ''), JSON.stringify(again.failure));
      // Another login than the admin who started the test does not match its binding.
      const other = await testStart(adminHash);
      const otherAnswer = await idp.signIn({ authorizeUrl: other.redirectUrl, username: BOB.username, password: BOB.password });
      if (otherAnswer.kind !== 'saml-response') return assert.fail(otherAnswer.kind);
      const stolen = await testAcs(otherAnswer.samlResponse, other.requestId, 'ops');
      assert.deepEqual([stolen.succeeded, stolen.failure?.kind, stolen.nameId], [false, 'unknown-request', undefined]);
      // A forged signature is reported as such.
      const forgedStart = await testStart(adminHash);
      const attacker = await createTestSigningCertificate({ commonName: 'attacker' });
      const forgedReport = await testAcs(forgedResponse({ issuer: idp.entityId, audience: SP_ENTITY_ID, recipient: ACS_URL, inResponseTo: forgedStart.requestId, nameId: ALICE.mail }, attacker), forgedStart.requestId);
      assert.equal(forgedReport.failure?.kind, 'bad-signature');
      assert.equal(forgedReport.nameId, undefined, 'nothing of an unverified assertion is reported');

      // A groups attribute the IdP does not send: the report says so.
      await consoleA.call('PUT', identityOrgSamlPath(ORG), { groupsAttribute: 'memberOf' });
      const missing = await testStart(adminHash);
      const missingAnswer = await idp.signIn({ authorizeUrl: missing.redirectUrl, username: BOB.username, password: BOB.password });
      if (missingAnswer.kind !== 'saml-response') return assert.fail(missingAnswer.kind);
      const missingReport = await testAcs(missingAnswer.samlResponse, missing.requestId);
      assert.deepEqual([missingReport.succeeded, missingReport.failure?.kind], [false, 'missing-groups-attribute']);
      assert.match(missingReport.failure?.message ?? '', /no 'memberOf' attribute/);
      assert.equal(audit.last('sso.test.failed')?.['reason'], 'missing-groups-attribute');

      // Tests and sign-ins never answer each other's requests.
      const restored = await consoleA.call<SamlConfigResponse>('PUT', identityOrgSamlPath(ORG), { groupsAttribute: 'groups', enabled: true });
      assert.equal(restored.idpMetadataXml, idp.metadataXml.trim());
      const test = await testStart(adminHash);
      const testAnswer = await idp.signIn({ authorizeUrl: test.redirectUrl, username: ALICE.username, password: ALICE.password });
      if (testAnswer.kind !== 'saml-response') return assert.fail(testAnswer.kind);
      await rejects(acs(testAnswer.samlResponse, test.requestId), 401, /SAML sign-in refused/);
      const signIn = await realResponse(ALICE);
      assert.equal((await testAcs(signIn.samlResponse, signIn.requestId)).failure?.kind, 'unknown-request');
    });

    void it('answers 503 with what to do when the stored IdP certificate has expired since the upload', async () => {
      const expired = await createTestSigningCertificate({ commonName: 'old-idp', notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
      const acme = (await database.repositories.organizations.findByName(ORG))!;
      const config = (await database.repositories.samlConfigurations.find(acme.id))!;
      await database.repositories.samlConfigurations.save({ ...config, idpMetadataXml: withCertificate(idp.metadataXml, expired.certificatePem) });
      try {
        await rejects(consoleA.post(identitySamlStartPath(ORG), {}), 503, /SAML configuration of organization 'acme' is no longer valid .*expired.*upload current IdP metadata/);
        assert.match((await consoleA.get<SamlConfigResponse>(identityOrgSamlPath(ORG))).problem ?? '', /expired/);
      } finally {
        await database.repositories.samlConfigurations.save(config);
      }
    });
  });
}

/** The IdP metadata with its signing certificate replaced. */
function withCertificate(metadataXml: string, certificatePem: string): string {
  const body = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return metadataXml.replace(/(<ds:X509Certificate>)[^<]*(<\/ds:X509Certificate>)/g, (_all, open: string, close: string) => `${open}${body}${close}`);
}
