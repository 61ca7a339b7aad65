import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken, hashSessionToken } from '@stackyard/identity-domain';
import { IdentityDatabase, TOKENS_PATH } from '@stackyard/identity-feature-tokens';
import {
  type CreateScimTokenResponse,
  IDENTITY_RESOLVE_PATH,
  IDENTITY_SESSION_RESOLVE_PATH,
  identityOrgSamlPath,
  identitySamlAcsPath,
  identitySamlStartPath,
  identityScimRelayPath,
  identityScimTokenPath,
  type SamlStartResponse,
  type ScimRelayResponse,
  type ScimTokenStatusResponse,
  type SignInResponse,
} from '@stackyard/shared-contracts';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { createTestSigningCertificate, removeTempDir, tempDir, type TestSigningCertificate } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';
import { forgedResponse } from './testing/saml-responses';

/**
 * SCIM provisioning through the real identity service (mutual TLS, the api's relay route, both
 * database engines): the organization's token, discovery, Users and Groups with the filters and
 * PATCH styles identity providers use, SCIM users meeting SAML sign-in as one user, deactivation
 * ending sessions, tokens and sign-ins, and every refusal in SCIM's error shape with an audit line.
 */

const CONSOLE = 'https://console.stackyard.test';
const ORG = 'acme';
const BASE_URL = `https://api.stackyard.test/scim/v2/${ORG}`;
const IDP_ENTITY_ID = 'https://idp.acme.test/metadata';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Json = Record<string, unknown>;

/** Audit lines (JSON, the `audit` logger) as the service writes them to stdout. */
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

  events(event: string): Json[] {
    const found: Json[] = [];
    for (const line of this.lines) {
      if (!line.includes('"context":"audit"')) continue;
      const record = JSON.parse((JSON.parse(line) as { message: string }).message) as Json;
      if (record['event'] === event) found.push(record);
    }
    return found;
  }

  last(event: string): Json | undefined {
    return this.events(event).at(-1);
  }
}

function idpMetadata(certificatePem: string): string {
  const certificate = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return [
    '<?xml version="1.0"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${IDP_ENTITY_ID}">`,
    '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">',
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>',
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.acme.test/sso"/>',
    '</md:IDPSSODescriptor>',
    '</md:EntityDescriptor>',
  ].join('\n');
}

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 20_000 });
}

async function rejects(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return;
  }
  assert.fail(`expected HTTP ${status}`);
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const audit = new AuditLog();
let idpKey: TestSigningCertificate;

before(async () => {
  audit.capture();
  idpKey = await createTestSigningCertificate({ commonName: 'scim-test-idp' });
});
after(() => audit.release());

for (const engine of databaseEngines()) {
  void describe(`SCIM provisioning through the identity service on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let identity: RunningIdentity;
    let api: InternalClient;
    let consoleClient: InternalClient;
    let database: IdentityDatabase;
    let token: string;
    const ids: Record<string, string> = {};

    /** One SCIM request as the api relays it. */
    const scim = (method: string, path: string, options: { body?: unknown; rawBody?: string; query?: Record<string, string>; bearer?: string | null; org?: string } = {}) =>
      api.post<ScimRelayResponse>(identityScimRelayPath(options.org ?? ORG), {
        tokenHash: options.bearer === null ? null : sha256(options.bearer ?? token),
        method,
        path,
        query: options.query ?? {},
        ...(options.rawBody !== undefined ? { body: options.rawBody } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        baseUrl: BASE_URL,
        sourceIp: '203.0.113.9',
      });
    const ok = async (expected: number, reply: Promise<ScimRelayResponse>): Promise<Json> => {
      const answer = await reply;
      assert.equal(answer.status, expected, JSON.stringify(answer.body));
      return (answer.body ?? {}) as Json;
    };
    const scimError = async (reply: Promise<ScimRelayResponse>, status: number, scimType: string | undefined, detail: RegExp) => {
      const answer = await reply;
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      const body = answer.body as Json;
      assert.deepEqual(body['schemas'], [ERROR_SCHEMA]);
      assert.equal(body['status'], String(status));
      assert.equal(body['scimType'], scimType);
      assert.match(String(body['detail']), detail);
    };
    const samlSignIn = async (nameId: string): Promise<SignInResponse> => {
      const { requestId } = await consoleClient.post<SamlStartResponse>(identitySamlStartPath(ORG), {});
      const samlResponse = forgedResponse(
        { issuer: IDP_ENTITY_ID, audience: `${CONSOLE}/saml/${ORG}`, recipient: `${CONSOLE}/saml/${ORG}/acs`, inResponseTo: requestId, nameId, attributes: { displayName: ['From SAML'] } },
        idpKey,
      );
      return consoleClient.post<SignInResponse>(identitySamlAcsPath(ORG), { samlResponse, expectedRequestId: requestId, sourceIp: '198.51.100.7', userAgent: 'test-browser' });
    };
    const newUser = (userName: string, extra: Json = {}) => ok(201, scim('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName, ...extra } }));

    before(async () => {
      dir = tempDir('stackyard-scim-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      const env = {
        STACKYARD_DATABASE_URL: await engine.newDatabaseUrl(dir, 'identity'),
        STACKYARD_PORT: '0',
        STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
        STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
        STACKYARD_INTERNAL_CA_FILE: pki.caFile,
        STACKYARD_LOG_FORMAT: 'json',
        STACKYARD_CONSOLE_URL: CONSOLE,
        STACKYARD_BOOTSTRAP_ADMIN_TOKEN: generateAccessToken(),
        STACKYARD_BOOTSTRAP_ORG: ORG,
      };
      identity = await startIdentity(loadIdentityConfig(env));
      api = clientAs(pki, 'api', identity.url);
      consoleClient = clientAs(pki, 'console-backend', identity.url);
      database = new IdentityDatabase(identity.dataSource);
      await database.repositories.organizations.insert({ id: randomUUID(), name: 'beta', createdAt: Date.now() });
    });
    after(async () => {
      api?.close();
      consoleClient?.close();
      await identity?.close();
      await engine.stop();
      removeTempDir(dir);
    });

    void it('creates the SCIM token only for the api, only for SAML organizations, shown once and rotated', async () => {
      await rejects(consoleClient.post(identityScimTokenPath(ORG), { actor: 'admin' }), 403, /SCIM routes are for the api only/);
      await rejects(api.post(identityScimTokenPath(ORG), { actor: 'admin' }), 409, /no SAML sign-in configured/);
      await consoleClient.call('PUT', identityOrgSamlPath(ORG), { idpMetadataXml: idpMetadata(idpKey.certificatePem) });
      const first = await api.post<CreateScimTokenResponse>(identityScimTokenPath(ORG), { actor: 'admin' });
      assert.match(first.token, /^scim-[0-9a-f]{64}$/);
      const second = await api.post<CreateScimTokenResponse>(identityScimTokenPath(ORG), { actor: 'admin' });
      token = second.token;
      const status = await api.get<ScimTokenStatusResponse>(identityScimTokenPath(ORG));
      assert.deepEqual(status.token && { id: status.token.id, createdBy: status.token.createdBy }, { id: second.id, createdBy: 'admin' });
      assert.equal(status.samlEnabled, true);
      assert.deepEqual(audit.last('scim.token.created'), { event: 'scim.token.created', organization: ORG, actor: 'admin', tokenId: second.id, previousRevoked: true });
      const stored = JSON.stringify(await identity.dataSource.query('SELECT * FROM scim_tokens'));
      assert.ok(!stored.includes(token) && stored.includes(sha256(token)), 'only the SHA-256 is stored');
      await scimError(scim('GET', '/Users', { bearer: first.token }), 401, undefined, /missing, not recognised or revoked/);
      assert.equal(audit.last('scim.auth.failed')?.['reason'], 'revoked');
    });

    void it('refuses requests without the organization’s live token, in SCIM’s error shape, and audits them', async () => {
      await scimError(scim('GET', '/Users', { bearer: null }), 401, undefined, /bearer token is missing/);
      assert.deepEqual(audit.last('scim.auth.failed'), { event: 'scim.auth.failed', organization: ORG, reason: 'missing', sourceIp: '203.0.113.9' });
      await scimError(scim('GET', '/Users', { bearer: generateAccessToken() }), 401, undefined, /not recognised/);
      assert.equal(audit.last('scim.auth.failed')?.['reason'], 'unknown');
      await scimError(scim('GET', '/Users', { org: 'beta' }), 401, undefined, /not recognised/);
      assert.equal(audit.last('scim.auth.failed')?.['reason'], 'other-organization');
      await scimError(scim('GET', '/Users', { org: 'nope' }), 401, undefined, /not recognised/);
      const lines = audit.lines.join('\n');
      assert.ok(!lines.includes(token) && !lines.includes(sha256(token)), 'neither the token nor its hash is logged');
    });

    void it('serves discovery: ServiceProviderConfig, ResourceTypes, Schemas; 405 for writes, 404 elsewhere', async () => {
      const config = await ok(200, scim('GET', '/ServiceProviderConfig'));
      assert.deepEqual(config['patch'], { supported: true });
      assert.deepEqual(config['filter'], { supported: true, maxResults: 1000 });
      const types = await ok(200, scim('GET', '/ResourceTypes'));
      assert.deepEqual((types['Resources'] as Json[]).map((t) => t['endpoint']), ['/Users', '/Groups']);
      assert.equal((await ok(200, scim('GET', '/ResourceTypes/Group')))['schema'], GROUP_SCHEMA);
      const user = await ok(200, scim('GET', `/Schemas/${USER_SCHEMA}`));
      assert.deepEqual((user['attributes'] as Json[]).map((a) => a['name']), ['userName', 'name', 'displayName', 'emails', 'active']);
      await scimError(scim('POST', '/Schemas', { body: {} }), 405, undefined, /not allowed on \/Schemas/);
      await scimError(scim('GET', `/${randomUUID()}`), 404, undefined, /no SCIM endpoint/);
      await scimError(scim('GET', '/Schemas/urn:nope'), 404, undefined, /no Schema/);
      await scimError(scim('POST', '/Bulk', { body: {} }), 501, undefined, /not supported/);
    });

    void it('creates a User: the person SAML sign-in finds by NameID, a member of the organization', async () => {
      const created = await newUser('Alice@acme.test', { name: { givenName: 'Alice', familyName: 'Example' }, emails: [{ value: 'alice@acme.test', type: 'work', primary: true }], externalId: 'entra-1' });
      ids['alice'] = created['id'] as string;
      assert.equal((created['meta'] as Json)['location'], `${BASE_URL}/Users/${ids['alice']}`);
      const answer = await scim('GET', `/Users/${ids['alice']}`);
      assert.deepEqual(answer.body, created);
      const repos = database.repositories;
      assert.equal((await repos.identities.find('saml:acme', 'Alice@acme.test'))?.userId, ids['alice']);
      const user = await repos.users.findById(ids['alice']);
      assert.deepEqual({ login: user?.login, name: user?.name, email: user?.email }, { login: 'Alice', name: 'Alice Example', email: 'alice@acme.test' });
      assert.equal((await repos.memberships.find((await repos.organizations.findByName(ORG))!.id, ids['alice']))?.role, 'member');
      assert.deepEqual(audit.last('scim.user.created'), { event: 'scim.user.created', organization: ORG, user: 'Alice', userId: ids['alice'], userName: 'Alice@acme.test', adoptedExisting: false, active: true });
    });

    void it('answers 409 uniqueness for a userName taken in any case, and for a concurrent duplicate', async () => {
      await scimError(scim('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'alice@ACME.test' } }), 409, 'uniqueness', /already exists/);
      const racing = await Promise.all([1, 2, 3].map(() => scim('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'race@acme.test' } })));
      assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409, 409]);
    });

    void it('lists with filter userName eq (any case), externalId eq, other filters, and paging', async () => {
      for (const name of ['carol', 'dave', 'erin']) ids[name] = (await newUser(`${name}@acme.test`, { active: name !== 'erin' }))['id'] as string;
      const byName = await ok(200, scim('GET', '/Users', { query: { filter: 'userName eq "ALICE@acme.test"' } }));
      assert.deepEqual([byName['totalResults'], (byName['Resources'] as Json[])[0]?.['id']], [1, ids['alice']]);
      assert.equal((await ok(200, scim('GET', '/Users', { query: { filter: 'externalId eq "entra-1"' } })))['totalResults'], 1);
      assert.equal((await ok(200, scim('GET', '/Users', { query: { filter: 'externalId eq "ENTRA-1"' } })))['totalResults'], 0, 'externalId is caseExact');
      assert.equal((await ok(200, scim('GET', '/Users', { query: { filter: 'active eq false' } })))['totalResults'], 1);
      const page = await ok(200, scim('GET', '/Users', { query: { startIndex: '2', count: '2', attributes: 'userName' } }));
      assert.deepEqual([page['totalResults'], page['startIndex'], page['itemsPerPage']], [5, 2, 2]);
      assert.deepEqual(Object.keys((page['Resources'] as Json[])[0]).sort(), ['id', 'schemas', 'userName']);
      assert.equal((await ok(200, scim('GET', '/Users', { query: { count: '0' } })))['totalResults'], 5);
      await scimError(scim('GET', '/Users', { query: { filter: 'userName eq' } }), 400, 'invalidFilter', /expected a value/);
      await scimError(scim('GET', '/Users', { query: { filter: 'title eq "CTO"' } }), 400, 'invalidFilter', /'title' is not an attribute/);
    });

    void it('updates with PUT and PATCH (Okta and Entra ID styles); userName is immutable; bad input is a SCIM 400', async () => {
      const alice = `/Users/${ids['alice']}`;
      const replaced = await ok(200, scim('PUT', alice, { body: { schemas: [USER_SCHEMA], userName: 'Alice@acme.test', displayName: 'Alice E.', externalId: 'entra-1' } }));
      assert.equal(replaced['name'], undefined, 'PUT replaces: attributes left out are cleared');
      const okta = await ok(200, scim('PATCH', alice, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { name: { givenName: 'Alicia', familyName: 'Example' } } }] } }));
      assert.deepEqual(okta['name'], { givenName: 'Alicia', familyName: 'Example' });
      const entra = await ok(200, scim('PATCH', alice, { body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Alicia Example' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'alicia@acme.test' }] } }));
      assert.deepEqual(entra['emails'], [{ value: 'alicia@acme.test', type: 'work' }]);
      assert.deepEqual((await database.repositories.users.findById(ids['alice']))?.email, 'alicia@acme.test');
      assert.deepEqual(audit.last('scim.user.updated')?.['changed'], ['displayName', 'emails']);
      await scimError(scim('PUT', alice, { body: { schemas: [USER_SCHEMA], userName: 'someone-else@acme.test' } }), 400, 'mutability', /userName is immutable/);
      await scimError(scim('PATCH', alice, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'x@acme.test' }] } }), 400, 'mutability', /userName is immutable/);
      await scimError(scim('PATCH', alice, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'CTO' }] } }), 400, 'invalidPath', /'title' is not an attribute/);
      await scimError(scim('PATCH', alice, { rawBody: '{"schemas": [' }), 400, 'invalidSyntax', /not valid JSON/);
      await scimError(scim('PUT', alice, { body: { schemas: [USER_SCHEMA], userName: 'Alice@acme.test', active: 'maybe' } }), 400, 'invalidValue', /active must be true or false/);
      await scimError(scim('GET', `/Users/${randomUUID()}`), 404, undefined, /no User with id/);
    });

    void it('is one user with SAML sign-in: the SCIM user signs in by NameID, and a JIT user is taken over by SCIM', async () => {
      const signedIn = await samlSignIn('Alice@acme.test');
      assert.equal(signedIn.user.id, ids['alice'], 'the SCIM-created user is the one SAML finds');
      // frank signed in before SCIM was set up; creating him through SCIM adopts that user.
      const frank = await samlSignIn('frank@acme.test');
      const adopted = await newUser('frank@acme.test', { displayName: 'Frank' });
      assert.equal(adopted['id'], frank.user.id);
      assert.equal(audit.last('scim.user.created')?.['adoptedExisting'], true);
      ids['frank'] = frank.user.id;
    });

    void it('keeps Groups as scim teams: members only SCIM users, Okta and Entra ID membership PATCHes, displayName eq', async () => {
      await scimError(scim('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Platform Engineers', members: [{ value: randomUUID() }] } }), 400, 'invalidValue', /members must be Users provisioned through SCIM/);
      const bootstrapAdmin = (await database.repositories.users.findByLogin('admin'))!.id;
      await scimError(scim('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Platform Engineers', members: [{ value: bootstrapAdmin }] } }), 400, 'invalidValue', /not such a User/);
      const group = await ok(201, scim('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Platform Engineers', members: [{ value: ids['alice'] }] } }));
      ids['platform'] = group['id'] as string;
      assert.deepEqual(group['members'], [{ value: ids['alice'], $ref: `${BASE_URL}/Users/${ids['alice']}`, type: 'User' }]);
      assert.deepEqual(await database.repositories.teams.teamsOf(ids['alice']), [{ organization: ORG, team: 'platform-engineers' }]);
      await scimError(scim('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'platform engineers' } }), 409, 'uniqueness', /already exists/);
      const path = `/Groups/${ids['platform']}`;
      // Okta: add with a value list; Entra ID: "Add" / "Remove" with member objects.
      await ok(200, scim('PATCH', path, { body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: ids['carol'] }, { value: ids['dave'] }] }] } }));
      await ok(200, scim('PATCH', path, { body: { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids['dave'] }] }] } }));
      const afterRemove = await ok(200, scim('PATCH', path, { body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${ids['carol']}"]` }] } }));
      assert.deepEqual((afterRemove['members'] as Json[]).map((m) => m['value']), [ids['alice']]);
      await scimError(scim('PATCH', path, { body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: bootstrapAdmin }] }] } }), 400, 'invalidValue', /not such a User/);
      assert.deepEqual(audit.last('scim.group.updated')?.['membersRemoved'], [ids['carol']]);
      const found = await ok(200, scim('GET', '/Groups', { query: { filter: 'displayName eq "PLATFORM ENGINEERS"', excludedAttributes: 'members' } }));
      assert.equal(found['totalResults'], 1);
      assert.equal((found['Resources'] as Json[])[0]['members'], undefined);
      // A manual member of the SCIM team is not SCIM's: a PUT of the group leaves them.
      await database.repositories.teams.syncMemberships(ids['frank'], 'manual', [ids['platform']], Date.now());
      const put = await ok(200, scim('PUT', path, { body: { schemas: [GROUP_SCHEMA], displayName: 'Platform', members: [{ value: ids['alice'] }, { value: ids['dave'] }] } }));
      assert.equal(put['displayName'], 'Platform');
      assert.deepEqual(await database.repositories.teams.teamsOf(ids['frank']), [{ organization: ORG, team: 'platform-engineers' }], 'the team keeps its name; manual members stay');
      assert.deepEqual(await database.repositories.teams.teamsOf(ids['dave']), [{ organization: ORG, team: 'platform-engineers' }]);
    });

    void it('searches Users and Groups at once with POST /.search; a filter one type lacks searches the other', async () => {
      const search = (body: Json) => ok(200, scim('POST', '/.search', { body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], ...body } }));
      const both = await search({ filter: 'displayName sw "Platform"', attributes: ['displayName'] });
      assert.deepEqual((both['Resources'] as Json[]).map((r) => [r['schemas'], r['displayName']]), [[[GROUP_SCHEMA], 'Platform']]);
      const users = await search({ filter: 'userName eq "carol@acme.test"' });
      assert.deepEqual((users['Resources'] as Json[]).map((r) => r['id']), [ids['carol']]);
      const everything = await search({ count: 2 });
      assert.deepEqual([everything['totalResults'], everything['itemsPerPage']], [7, 2]);
      await scimError(scim('POST', '/.search', { body: { filter: 'nonsense eq 1' } }), 400, 'invalidFilter', /not an attribute/);
      await scimError(scim('GET', '/.search'), 405, undefined, /use POST/);
    });

    void it('deactivates: sessions and personal tokens end at once, sign-ins are refused, until reactivated', async () => {
      const { token: personal } = await api.post<{ token: string }>(TOKENS_PATH, { login: 'Alice', name: 'laptop' });
      assert.equal((await api.post<{ userId: string }>(IDENTITY_RESOLVE_PATH, { tokenHash: sha256(personal) })).userId, ids['alice']);
      const session = await samlSignIn('Alice@acme.test');
      const deactivated = await ok(200, scim('PATCH', `/Users/${ids['alice']}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] } }));
      assert.equal(deactivated['active'], false);
      const record = audit.last('scim.user.deactivated');
      assert.deepEqual({ user: record?.['user'], tokens: record?.['tokensRevoked'] }, { user: 'Alice', tokens: 1 });
      assert.ok(Number(record?.['sessionsRevoked']) >= 1);
      await rejects(api.post(IDENTITY_RESOLVE_PATH, { tokenHash: sha256(personal) }), 401, /revoked/);
      await rejects(consoleClient.post(IDENTITY_SESSION_RESOLVE_PATH, { sessionHash: hashSessionToken(session.session.token) }), 401, /session has ended/);
      await rejects(samlSignIn('Alice@acme.test'), 403, /deactivated by its organization/);
      assert.deepEqual(audit.last('auth.sign-in.failed'), { event: 'auth.sign-in.failed', method: 'saml:acme', user: 'Alice', reason: 'deactivated' });
      await ok(200, scim('PATCH', `/Users/${ids['alice']}`, { body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] } }));
      assert.equal(audit.last('scim.user.reactivated')?.['user'], 'Alice');
      assert.equal((await samlSignIn('Alice@acme.test')).user.id, ids['alice']);
      await rejects(api.post(IDENTITY_RESOLVE_PATH, { tokenHash: sha256(personal) }), 401, /revoked/);
    });

    void it('deletes: Users leave the organization and its SCIM teams; Groups take their team along', async () => {
      await ok(204, scim('DELETE', `/Users/${ids['dave']}`));
      await scimError(scim('GET', `/Users/${ids['dave']}`), 404, undefined, /no User/);
      const org = (await database.repositories.organizations.findByName(ORG))!;
      assert.equal(await database.repositories.memberships.find(org.id, ids['dave']), null);
      assert.deepEqual(await database.repositories.teams.teamsOf(ids['dave']), []);
      assert.equal(audit.last('scim.user.deleted')?.['teamsLeft'], 1);
      const members = (await ok(200, scim('GET', `/Groups/${ids['platform']}`)))['members'] as Json[];
      assert.deepEqual(members.map((m) => m['value']), [ids['alice']]);
      await ok(204, scim('DELETE', `/Groups/${ids['platform']}`));
      assert.equal(await database.repositories.teams.findByName(org.id, 'platform-engineers'), null);
      assert.deepEqual(await database.repositories.teams.teamsOf(ids['alice']), []);
      await scimError(scim('DELETE', `/Groups/${ids['platform']}`), 404, undefined, /no Group/);
    });

    void it('stops answering once the token is revoked', async () => {
      await api.call('DELETE', `${identityScimTokenPath(ORG)}?actor=admin`, undefined);
      await scimError(scim('GET', '/Users'), 401, undefined, /revoked/);
      assert.equal((await api.get<ScimTokenStatusResponse>(identityScimTokenPath(ORG))).token, null);
      assert.equal(audit.last('scim.token.revoked')?.['actor'], 'admin');
    });
  });
}
