import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken, hashAccessToken } from '@stackyard/identity-domain';
import {
  type AccessTokenOwner,
  type AuthPolicyDefinition,
  type AuthPolicyResponse,
  type CreateAccessTokenResponse,
  DEFAULT_ORGANIZATION_ACCESS_SETTINGS,
  IDENTITY_ACCESS_TOKENS_CREATE_PATH,
  IDENTITY_ACCESS_TOKENS_LIST_PATH,
  IDENTITY_ACCESS_TOKENS_REVOKE_PATH,
  IDENTITY_OIDC_ISSUERS_DELETE_PATH,
  IDENTITY_OIDC_ISSUERS_GET_PATH,
  IDENTITY_OIDC_ISSUERS_LIST_PATH,
  IDENTITY_OIDC_ISSUERS_REGISTER_PATH,
  IDENTITY_OIDC_ISSUERS_UPDATE_PATH,
  IDENTITY_OIDC_POLICY_GET_PATH,
  IDENTITY_OIDC_POLICY_UPDATE_PATH,
  IDENTITY_RESOLVE_PATH,
  IDENTITY_TOKEN_EXCHANGE_PATH,
  type ListAccessTokensResponse,
  type ListOidcIssuersResponse,
  type OidcIssuerResponse,
  type Principal,
  type TokenExchangeInternalResponse,
} from '@stackyard/shared-contracts';
import { createDataSource, runMigrations } from '@stackyard/shared-db';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { generateSigningKey, type KubernetesOidcIssuerPeer, signJwt, startKubernetesOidcIssuer, tempDir } from '@stackyard/testing';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK, IDENTITY_MIGRATIONS } from './data-source';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';

const ORG = 'stackyard';
const AUDIENCE = `urn:pulumi:org:${ORG}`;

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  });
}

/** The form the CLI posts for `pulumi login --oidc-token <jwt> --oidc-org stackyard [--oidc-team|--oidc-user]`. */
function cliForm(jwt: string, options: { team?: string; user?: string; scope?: string; expiration?: number; org?: string } = {}): Record<string, string> {
  const kind = options.team ? 'team' : options.user ? 'personal' : 'organization';
  return {
    audience: `urn:pulumi:org:${options.org ?? ORG}`,
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    requested_token_type: `urn:pulumi:token-type:access_token:${kind}`,
    scope: options.scope ?? (options.team ? `team:${options.team}` : options.user ? `user:${options.user}` : ''),
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    subject_token: jwt,
    expiration: String(options.expiration ?? 7200),
  };
}

for (const engine of databaseEngines()) {
  void describe(`machine identity on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let kube: KubernetesOidcIssuerPeer;
    let running: RunningIdentity;
    let api: InternalClient;
    const adminToken = generateAccessToken();
    let bobToken: string;

    const call = <T>(path: string, token: string, payload: object) => api.post<T>(path, { ...payload, actorTokenHash: hashAccessToken(token) });
    const resolve = (token: string) => api.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: hashAccessToken(token) });
    const createToken = (token: string, owner: AccessTokenOwner, request: object) => call<CreateAccessTokenResponse>(IDENTITY_ACCESS_TOKENS_CREATE_PATH, token, { owner, request });
    const listTokens = (token: string, owner: AccessTokenOwner, includeExpired = false) => call<ListAccessTokensResponse>(IDENTITY_ACCESS_TOKENS_LIST_PATH, token, { owner, includeExpired });
    const exchange = (parameters: Record<string, string>) => api.post<TokenExchangeInternalResponse>(IDENTITY_TOKEN_EXCHANGE_PATH, { parameters, sourceIp: '127.0.0.1' });
    const granted = async (parameters: Record<string, string>) => {
      const answer = await exchange(parameters);
      if (answer.outcome !== 'granted') assert.fail(`refused: ${JSON.stringify(answer)}`);
      return answer.grant;
    };
    const refused = async (parameters: Record<string, string>, error: string, description: RegExp, status = 400) => {
      const answer = await exchange(parameters);
      if (answer.outcome !== 'refused') assert.fail(`granted: ${JSON.stringify(answer)}`);
      const refusal = answer;
      assert.equal(refusal.error, error, refusal.description);
      assert.equal(refusal.status, status);
      assert.match(refusal.description, description);
    };

    before(async () => {
      dir = tempDir('stackyard-machine-identity-it');
      [pki, kube] = await Promise.all([ensureEmbeddedPki(join(dir, 'pki'), []), startKubernetesOidcIssuer({ defaultAudience: AUDIENCE })]);
      const databaseUrl = await engine.newDatabaseUrl(dir, 'identity');
      running = await startIdentity(
        loadIdentityConfig({
          STACKYARD_DATABASE_URL: databaseUrl,
          STACKYARD_PORT: '0',
          STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
          STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
          STACKYARD_INTERNAL_CA_FILE: pki.caFile,
          STACKYARD_BOOTSTRAP_ADMIN_TOKEN: adminToken,
          STACKYARD_OIDC_CA_FILE: kube.caFile,
          STACKYARD_LOG_FORMAT: 'json',
        }),
      );
      api = clientAs(pki, 'api', running.url);
      // bob: a member of the organization (the internal admin route creates him), in team `platform`.
      bobToken = (await api.post<{ token: string }>('/internal/v1/tokens', { login: 'bob', name: 'laptop' })).token;
      const [{ id: orgId }] = await running.dataSource.query<Array<{ id: string }>>('SELECT id FROM organizations WHERE name = ?', [ORG]);
      const [{ id: bobId }] = await running.dataSource.query<Array<{ id: string }>>("SELECT id FROM users WHERE login = 'bob'");
      const teamId = randomUUID();
      await running.dataSource.query('INSERT INTO teams (id, org_id, name, created_at) VALUES (?, ?, ?, ?)', [teamId, orgId, 'platform', Date.now()]);
      await running.dataSource.query("INSERT INTO team_members (team_id, user_id, source, created_at) VALUES (?, ?, 'manual', ?)", [teamId, bobId, Date.now()]);
    });

    after(async () => {
      api?.close();
      await running?.close();
      await kube?.stop();
      await engine.stop();
    });

    void describe('organization, team and personal access tokens', () => {
      void it('lets an organization admin create an organization token that acts as the organization, not a person', async () => {
        const created = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'ci', description: 'CI pipeline', expires: 0 });
        assert.match(created.tokenValue, /^pul-[0-9a-f]{40}$/);
        const principal = await resolve(created.tokenValue);
        assert.deepEqual(principal, {
          userId: '',
          login: ORG,
          name: ORG,
          email: '',
          avatarUrl: '',
          siteAdmin: false,
          organizations: [{ name: ORG, role: 'member' }],
          teams: [],
          token: { id: created.id, name: 'ci', kind: 'organization', organization: ORG },
          // RBAC: an organization token without the admin flag or a custom role holds the built-in member role.
          access: [{ organization: ORG, role: 'member', settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS, roles: [], grants: [], teamsAdministered: [] }],
        });
        const stored = await running.dataSource.query<Array<{ token_hash: string; user_id: string | null; name_scope: string }>>('SELECT token_hash, user_id, name_scope FROM access_tokens WHERE id = ?', [created.id]);
        assert.equal(stored[0].token_hash, hashAccessToken(created.tokenValue), 'only the hash is stored');
        assert.equal(stored[0].user_id, null);
        const { tokens } = await listTokens(adminToken, { kind: 'organization', organization: ORG });
        const listed = tokens.find((t) => t.id === created.id);
        assert.ok(listed);
        assert.deepEqual({ ...listed, created: undefined, lastUsed: undefined }, { id: created.id, name: 'ci', description: 'CI pipeline', created: undefined, lastUsed: undefined, expires: 0, admin: false, createdBy: 'admin', type: 'organization' });
        assert.ok(listed.lastUsed > 0, 'lastUsed is recorded when the token is used');
        // An admin organization token is an organization admin: it may manage tokens itself.
        const adminOrgToken = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'ci-admin', admin: true });
        assert.deepEqual((await resolve(adminOrgToken.tokenValue)).organizations, [{ name: ORG, role: 'admin' }]);
        const minted = await createToken(adminOrgToken.tokenValue, { kind: 'organization', organization: ORG }, { name: 'made-by-a-machine' });
        assert.equal((await listTokens(adminToken, { kind: 'organization', organization: ORG })).tokens.find((t) => t.id === minted.id)?.createdBy, null);
      });

      void it('keeps names unique in the organization across organization and team tokens, revoked ones included', async () => {
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'ci' }), 409, /already has an access token named 'ci'/);
        await rejectsWithStatus(createToken(adminToken, { kind: 'team', organization: ORG, team: 'platform' }, { name: 'ci' }), 409, /named 'ci'/);
        const temp = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'temp' });
        await call(IDENTITY_ACCESS_TOKENS_REVOKE_PATH, adminToken, { owner: { kind: 'organization', organization: ORG }, tokenId: temp.id });
        await rejectsWithStatus(resolve(temp.tokenValue), 401, /revoked/);
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'temp' }), 409, /names of revoked tokens stay taken/);
        assert.ok(!(await listTokens(adminToken, { kind: 'organization', organization: ORG })).tokens.some((t) => t.id === temp.id), 'revoked tokens are not listed');
        // Revoking again succeeds (a retried DELETE); a token of another scope is not found here.
        await call(IDENTITY_ACCESS_TOKENS_REVOKE_PATH, adminToken, { owner: { kind: 'organization', organization: ORG }, tokenId: temp.id });
        await rejectsWithStatus(call(IDENTITY_ACCESS_TOKENS_REVOKE_PATH, adminToken, { owner: { kind: 'team', organization: ORG, team: 'platform' }, tokenId: temp.id }), 404, /has no access token/);
      });

      void it('issues team tokens that act as the team', async () => {
        const created = await createToken(adminToken, { kind: 'team', organization: ORG, team: 'platform' }, { name: 'platform-ci', description: 'deploys' });
        const principal = await resolve(created.tokenValue);
        assert.equal(principal.login, ORG, 'pulumi whoami shows the organization for team tokens too');
        assert.deepEqual(principal.teams, [{ organization: ORG, team: 'platform' }]);
        assert.deepEqual(principal.organizations, [{ name: ORG, role: 'member' }]);
        assert.deepEqual(principal.token, { id: created.id, name: 'platform-ci', kind: 'team', organization: ORG, team: 'platform' });
        assert.deepEqual((await listTokens(adminToken, { kind: 'team', organization: ORG, team: 'platform' })).tokens.map((t) => t.name), ['platform-ci']);
        await rejectsWithStatus(createToken(adminToken, { kind: 'team', organization: ORG, team: 'nope' }, { name: 'x' }), 404, /Team 'nope' not found/);
      });

      void it('lets people manage their own personal tokens, with optional expiry', async () => {
        const soon = Math.floor(Date.now() / 1000) + 3600;
        const created = await createToken(bobToken, { kind: 'personal' }, { description: 'laptop 2', expires: soon });
        const { tokens } = await listTokens(bobToken, { kind: 'personal' });
        const listed = tokens.find((t) => t.id === created.id);
        assert.equal(listed?.expires, soon);
        assert.equal(listed?.type, 'personal');
        assert.match(listed?.name ?? '', /^token-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
        assert.equal((await resolve(created.tokenValue)).login, 'bob');
        assert.ok(!(await listTokens(adminToken, { kind: 'personal' })).tokens.some((t) => t.id === created.id), "nobody sees another person's tokens");
        await rejectsWithStatus(call(IDENTITY_ACCESS_TOKENS_REVOKE_PATH, adminToken, { owner: { kind: 'personal' }, tokenId: created.id }), 404, /has no access token/);
        await rejectsWithStatus(createToken(bobToken, { kind: 'personal' }, { expires: 1000 }), 400, /expires must be a unix time/);
        await rejectsWithStatus(createToken(bobToken, { kind: 'personal' }, { admin: true }), 400, /admin applies to organization tokens only/);
        // An organization token is no person, so it has no personal tokens.
        const org = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'no-person' });
        await rejectsWithStatus(listTokens(org.tokenValue, { kind: 'personal' }), 403, /acts for no person/);
      });

      void it('hides expired tokens unless asked', async () => {
        const expires = Math.floor(Date.now() / 1000) + 2;
        const created = await createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'short-lived', expires });
        await new Promise((r) => setTimeout(r, 2_100));
        await rejectsWithStatus(resolve(created.tokenValue), 401, /expired/);
        assert.ok(!(await listTokens(adminToken, { kind: 'organization', organization: ORG })).tokens.some((t) => t.id === created.id));
        assert.ok((await listTokens(adminToken, { kind: 'organization', organization: ORG }, true)).tokens.some((t) => t.id === created.id));
      });

      void it('refuses members who are not admins (403), outsiders (404), bad requests (400) and other peers (403)', async () => {
        await rejectsWithStatus(createToken(bobToken, { kind: 'organization', organization: ORG }, { name: 'bobs' }), 403, /only admins of organization 'stackyard'/);
        await rejectsWithStatus(listTokens(bobToken, { kind: 'team', organization: ORG, team: 'platform' }), 403, /only admins/);
        await rejectsWithStatus(listTokens(bobToken, { kind: 'organization', organization: 'elsewhere' }), 404, /Organization 'elsewhere' not found/);
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, {}), 400, /name is required/);
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'x'.repeat(41) }), 400, /1–40/);
        await rejectsWithStatus(createToken(adminToken, { kind: 'organization', organization: ORG }, { name: 'r', roleID: 'custom' }), 400, /roleID/);
        await rejectsWithStatus(listTokens(generateAccessToken(), { kind: 'personal' }), 401, /not recognised/);
        const console = clientAs(pki, 'console-backend', running.url);
        try {
          await rejectsWithStatus(console.post(IDENTITY_ACCESS_TOKENS_LIST_PATH, { owner: { kind: 'personal' }, actorTokenHash: hashAccessToken(adminToken) }), 403, /for the api only/);
          await rejectsWithStatus(console.post(IDENTITY_TOKEN_EXCHANGE_PATH, { parameters: {} }), 403, /for the api only/);
        } finally {
          console.close();
        }
      });
    });

    void describe('OIDC issuers and the token exchange', () => {
      let issuer: OidcIssuerResponse;
      let policyId: string;
      const setPolicies = (policies: AuthPolicyDefinition[]) => call<AuthPolicyResponse>(IDENTITY_OIDC_POLICY_UPDATE_PATH, adminToken, { organization: ORG, policyId, request: { policies } });
      const deployer = 'system:serviceaccount:ci:deployer';

      before(async () => {
        // Registered by URL alone: identity fetches the discovery document and JWKS now, over TLS with STACKYARD_OIDC_CA.
        issuer = await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_REGISTER_PATH, adminToken, { organization: ORG, request: { name: 'ci-cluster', url: kube.issuerUrl, maxExpiration: 3600 } });
        const policy = await call<AuthPolicyResponse>(IDENTITY_OIDC_POLICY_GET_PATH, adminToken, { organization: ORG, issuerId: issuer.id });
        assert.deepEqual({ version: policy.version, policies: policy.policies }, { version: 1, policies: [] });
        policyId = policy.id;
        const updated = await setPolicies([
          { decision: 'allow', tokenType: 'organization', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: deployer } },
          { decision: 'allow', tokenType: 'team', teamName: 'platform', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: 'system:serviceaccount:platform:*' } },
          { decision: 'allow', tokenType: 'personal', userLogin: 'bob', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: 'system:serviceaccount:dev:bob', 'kubernetes.io.namespace': 'dev' } },
          { decision: 'deny', tokenType: 'organization', authorizedPermissions: [], rules: { 'kubernetes.io.pod.name': 'forbidden-*' } },
        ]);
        assert.equal(updated.version, 2);
      });

      void it('registers issuers by discovery or with inline keys, and lists, reads, updates and deletes them', async () => {
        assert.equal(issuer.issuer, kube.issuerUrl);
        assert.equal(issuer.maxExpiration, 3600);
        assert.equal(issuer.jwks, undefined, 'discovered keys are not stored');
        assert.ok((kube.requests.get('/.well-known/openid-configuration') ?? 0) >= 1);
        const inline = await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_REGISTER_PATH, adminToken, {
          organization: ORG,
          request: { name: 'offline', url: 'https://kubernetes.default.svc.cluster.local', jwks: { keys: [generateSigningKey('ES256', 'k1').publicJwk] } },
        });
        assert.equal(inline.jwks?.keys.length, 1);
        const { oidcIssuers } = await call<ListOidcIssuersResponse>(IDENTITY_OIDC_ISSUERS_LIST_PATH, adminToken, { organization: ORG });
        assert.deepEqual(oidcIssuers.map((i) => i.name), ['ci-cluster', 'offline']);
        const renamed = await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_UPDATE_PATH, adminToken, { organization: ORG, issuerId: inline.id, request: { name: 'offline cluster', maxExpiration: 600 } });
        assert.equal(renamed.name, 'offline cluster');
        assert.equal((await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_GET_PATH, adminToken, { organization: ORG, issuerId: inline.id })).maxExpiration, 600);
        await api.post(IDENTITY_OIDC_ISSUERS_DELETE_PATH, { organization: ORG, issuerId: inline.id, actorTokenHash: hashAccessToken(adminToken) });
        await rejectsWithStatus(call(IDENTITY_OIDC_ISSUERS_GET_PATH, adminToken, { organization: ORG, issuerId: inline.id }), 404, /not found/);
      });

      void it('refuses bad issuers with the reason, and non-admins', async () => {
        const register = (request: object, token = adminToken) => call(IDENTITY_OIDC_ISSUERS_REGISTER_PATH, token, { organization: ORG, request });
        await rejectsWithStatus(register({ name: 'plain', url: 'http://127.0.0.1/' }), 400, /not https/);
        await rejectsWithStatus(register({ name: 'dup', url: kube.issuerUrl }), 409, /already trusts/);
        await rejectsWithStatus(register({ name: 'gone', url: 'https://127.0.0.1:1' }), 400, /could not be fetched.*could not connect/);
        await rejectsWithStatus(register({ name: 'secret', url: 'https://a.example', jwks: { keys: [generateSigningKey('RS256').privateKey.export({ format: 'jwk' })] } }), 400, /private key material/);
        await rejectsWithStatus(register({ name: 'pinned', url: 'https://b.example', thumbprints: ['ab'], jwks: { keys: [generateSigningKey('RS256').publicJwk] } }), 400, /thumbprints are not supported/);
        await rejectsWithStatus(register({ name: 'bob', url: 'https://c.example' }, bobToken), 403, /only admins/);
        await rejectsWithStatus(setPolicies([{ decision: 'allow', tokenType: 'organization', authorizedPermissions: [], rules: { sub: '*' } }]), 400, /must constrain "aud"/);
      });

      void it('exchanges a Kubernetes service-account token matching the policy for a short-lived organization token', async () => {
        const grant = await granted(cliForm(kube.mintServiceAccountToken(), { expiration: 86_400 }));
        assert.equal(grant.issued_token_type, 'urn:pulumi:token-type:access_token:organization');
        assert.equal(grant.expires_in, 3600, "capped by the issuer's maxExpiration (and the server's cap)");
        const principal = await resolve(grant.access_token);
        assert.equal(principal.login, ORG);
        assert.equal(principal.token.kind, 'organization');
        assert.deepEqual(principal.organizations, [{ name: ORG, role: 'member' }]);
        const [row] = await running.dataSource.query<Array<{ expires_at: string | number; description: string; created_by: string | null }>>('SELECT expires_at, description, created_by FROM access_tokens WHERE id = ?', [principal.token.id]);
        assert.ok(Math.abs(Number(row.expires_at) - (Date.now() + 3_600_000)) < 60_000);
        assert.match(row.description, /issuer 'ci-cluster', subject 'system:serviceaccount:ci:deployer'/);
        // ES256 keys work the same.
        assert.ok(await granted(cliForm(kube.mintServiceAccountToken({ key: 'ec' }))));
      });

      void it('issues team and personal tokens when the policy names them', async () => {
        const team = await granted(cliForm(kube.mintServiceAccountToken({ namespace: 'platform', serviceAccount: 'pipelines' }), { team: 'platform' }));
        assert.equal(team.issued_token_type, 'urn:pulumi:token-type:access_token:team');
        assert.deepEqual((await resolve(team.access_token)).token.team, 'platform');
        const personal = await granted(cliForm(kube.mintServiceAccountToken({ namespace: 'dev', serviceAccount: 'bob' }), { user: 'bob' }));
        const principal = await resolve(personal.access_token);
        assert.equal(principal.login, 'bob');
        assert.equal(principal.token.kind, 'personal');
        assert.equal(personal.expires_in, 3600);
      });

      void it('refuses tokens matching no policy, and every kind of bad JWT, with a clear reason', async () => {
        const form = (jwt: string) => cliForm(jwt);
        await refused(form(kube.mintServiceAccountToken({ serviceAccount: 'default' })), 'invalid_request', /no authorization policy rule of issuer 'ci-cluster' allows an organization token for subject 'system:serviceaccount:ci:default'/);
        await refused(form(kube.mintServiceAccountToken({ audience: 'https://kubernetes.default.svc' })), 'invalid_request', /no authorization policy rule.*audience 'https:\/\/kubernetes\.default\.svc'/);
        await refused(form(kube.mintServiceAccountToken({ claims: { iss: 'https://evil.example' } })), 'invalid_request', /does not trust the token's issuer 'https:\/\/evil\.example'/);
        await refused(cliForm(kube.mintServiceAccountToken(), { org: 'elsewhere' }), 'invalid_request', /organization 'elsewhere' does not trust/);
        await refused(form(kube.mintServiceAccountToken({ issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetimeSeconds: 3600 })), 'invalid_request', /expired/);
        await refused(form(kube.mintServiceAccountToken({ key: generateSigningKey('RS256', kube.keys.rsa.kid) })), 'invalid_request', /signature does not verify/);
        await refused(form(kube.mintServiceAccountToken({ key: generateSigningKey('RS256', 'unknown-kid') })), 'invalid_request', /no RS256 key with the token's key id \(kid\) 'unknown-kid'/);
        const claims = JSON.parse(Buffer.from(kube.mintServiceAccountToken().split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
        await refused(form(signJwt({ alg: 'none' }, claims, null)), 'invalid_request', /unsigned \(alg 'none'\)/);
        await refused(form(signJwt({ alg: 'HS256' }, claims, null)), 'invalid_request', /shared secret/);
        await refused(form('not.a.jwt'), 'invalid_request', /not base64url|not JSON/);
        await refused(form(kube.mintServiceAccountToken({ namespace: 'ci', serviceAccount: 'deployer', claims: { 'kubernetes.io': { namespace: 'ci', pod: { name: 'forbidden-pod' } } } })), 'invalid_request', /a deny rule of issuer 'ci-cluster'/);
        await refused(cliForm(kube.mintServiceAccountToken(), { scope: 'admin' }), 'invalid_request', /grants the admin scope/);
        await refused(cliForm(kube.mintServiceAccountToken({ namespace: 'platform', serviceAccount: 'x' }), { team: 'finance' }), 'invalid_request', /a token for team 'finance'/);
        await refused({ ...cliForm('x'), grant_type: 'refresh_token' }, 'unsupported_grant_type', /no refresh tokens/);
        await refused({ ...cliForm('x'), audience: 'stackyard' }, 'invalid_target', /urn:pulumi:org:/);
      });

      void it('answers 503 when discovered keys cannot be fetched, and uses inline keys without fetching', async () => {
        const offline = generateSigningKey('RS256', 'offline-1');
        const other = await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_REGISTER_PATH, adminToken, {
          organization: ORG,
          request: { name: 'air-gapped', url: 'https://oidc.air-gapped.example', jwks: { keys: [offline.publicJwk] } },
        });
        const policy = await call<AuthPolicyResponse>(IDENTITY_OIDC_POLICY_GET_PATH, adminToken, { organization: ORG, issuerId: other.id });
        await call(IDENTITY_OIDC_POLICY_UPDATE_PATH, adminToken, { organization: ORG, policyId: policy.id, request: { policies: [{ decision: 'allow', tokenType: 'organization', authorizedPermissions: ['admin'], rules: { aud: AUDIENCE, sub: 'job:*' } }] } });
        const now = Math.floor(Date.now() / 1000);
        const jwt = signJwt({ alg: 'RS256', kid: 'offline-1' }, { iss: 'https://oidc.air-gapped.example', sub: 'job:42', aud: AUDIENCE, iat: now, exp: now + 300 }, offline);
        const grant = await granted(cliForm(jwt, { scope: 'admin' }));
        assert.deepEqual((await resolve(grant.access_token)).organizations, [{ name: ORG, role: 'admin' }]);
        // Dropping the inline keys makes identity fetch them, which cannot work for this host: refused.
        await rejectsWithStatus(call(IDENTITY_OIDC_ISSUERS_UPDATE_PATH, adminToken, { organization: ORG, issuerId: other.id, request: { jwks: null } }), 400, /could not be fetched/);
        // An issuer whose keys cannot be fetched at exchange time: 503, which the CLI retries.
        const vanishing = await startKubernetesOidcIssuer({ defaultAudience: AUDIENCE, ca: kube.ca });
        const registered = await call<OidcIssuerResponse>(IDENTITY_OIDC_ISSUERS_REGISTER_PATH, adminToken, { organization: ORG, request: { name: 'vanishing', url: vanishing.issuerUrl } }).catch(
          async (error: unknown) => {
            await vanishing.stop();
            throw error;
          },
        );
        const vanishingPolicy = await call<AuthPolicyResponse>(IDENTITY_OIDC_POLICY_GET_PATH, adminToken, { organization: ORG, issuerId: registered.id });
        await call(IDENTITY_OIDC_POLICY_UPDATE_PATH, adminToken, { organization: ORG, policyId: vanishingPolicy.id, request: { policies: [{ decision: 'allow', tokenType: 'organization', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: '*' } }] } });
        const token = vanishing.mintServiceAccountToken();
        await vanishing.stop();
        await refused(cliForm(token), 'temporarily_unavailable', /signing keys of issuer 'vanishing' cannot be fetched right now: .*could not connect/, 503);
      });
    });
  });
}

void describe('the machine-identity migration on data written by the previous schema', () => {
  for (const engine of databaseEngines()) {
    void it(`gives existing tokens their name scope and keeps them working (${engine.name})`, async () => {
      const dir = tempDir('stackyard-machine-identity-migration');
      try {
        const url = await engine.newDatabaseUrl(dir, 'identity');
        const previous = IDENTITY_MIGRATIONS.slice(0, IDENTITY_MIGRATIONS.findIndex((m) => m.name === 'MachineIdentity1795960000000'));
        const old = createDataSource({ url, entities: [], migrations: previous, migrationsTableName: 'identity_migrations' });
        await old.initialize();
        await runMigrations(old, IDENTITY_MIGRATION_LOCK);
        await old.query("INSERT INTO users (id, login, name, email, avatar_url, site_admin, created_at) VALUES ('u1', 'alice', 'Alice', '', '', 0, 1)");
        await old.query("INSERT INTO access_tokens (id, user_id, org_id, kind, name, token_hash, created_at, description) VALUES ('t1', 'u1', NULL, 'personal', 'laptop', ?, 1, '')", [hashAccessToken('pul-old')]);
        await old.destroy();
        const current = createIdentityDataSource(url);
        await current.initialize();
        try {
          await runMigrations(current, IDENTITY_MIGRATION_LOCK);
          const rows = await current.query<Array<{ name_scope: string; admin: number | boolean; team_id: string | null }>>("SELECT name_scope, admin, team_id FROM access_tokens WHERE id = 't1'");
          assert.deepEqual(rows.map((r) => ({ ...r, admin: Number(r.admin) })), [{ name_scope: 'user:u1', admin: 0, team_id: null }]);
          await assert.rejects(
            current.query("INSERT INTO access_tokens (id, user_id, org_id, kind, name, token_hash, created_at, description, name_scope) VALUES ('t2', 'u1', NULL, 'personal', 'laptop', ?, 1, '', 'user:u1')", [hashAccessToken('pul-new')]),
            /UNIQUE|Duplicate/i,
          );
        } finally {
          await current.destroy();
        }
      } finally {
        await engine.stop();
      }
    });
  }
});
