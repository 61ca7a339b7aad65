import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AuthPolicyResponse, CreateAccessTokenResponse, ListAccessTokensResponse, OidcIssuerResponse } from '@stackyard/shared-contracts';
import { generateSigningKey, hiddenField, type KubernetesOidcIssuerPeer, PulumiCli, type SlapdPeer, signJwt, startKubernetesOidcIssuer, startSlapd, tempDir, TestBrowser } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Machine identity with the real CLI (v3.274.1): a CI pod in a Kubernetes cluster logs in with its
 * projected service-account token (`pulumi login --oidc-token file://… --oidc-org …`) and gets a
 * short-lived Stackyard token without any stored secret — an organization, team or personal token,
 * as the issuer's authorization policy allows — while a token matching no policy, or any bad JWT,
 * is refused with a clear message. Then the organization, team and personal tokens of Pulumi's REST
 * API, which `pulumi whoami --verbose` tells apart.
 *
 * The cluster is played by an in-process HTTPS server serving what kube-apiserver serves for
 * service-account issuer discovery (`/.well-known/openid-configuration`, `/openid/v1/jwks`) with
 * its own CA, which identity trusts through STACKYARD_OIDC_CA_FILE. The team comes from a
 * directory group mapping (OpenLDAP), the way teams are made today.
 */

const ORG = 'stackyard';
const AUDIENCE = `urn:pulumi:org:${ORG}`;
const DEPLOYER = 'system:serviceaccount:ci:deployer';

let kube: KubernetesOidcIssuerPeer;
let slapd: SlapdPeer;

before(async () => {
  [kube, slapd] = await Promise.all([startKubernetesOidcIssuer({ defaultAudience: AUDIENCE }), startSlapd()]);
});

after(async () => {
  await Promise.all([kube?.stop(), slapd?.stop()]);
});

for (const mode of selectedModes()) {
  void describe(`machine identity with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 15 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    const issuedJwts: string[] = [];
    const issuedTokens: string[] = [];

    /** A CLI with its own PULUMI_HOME and no PULUMI_ACCESS_TOKEN (the CLI refuses --oidc-token next to one). */
    const freshCli = () => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: '', cwd: tempDir('stackyard-e2e-machine') });
    const noToken = { env: { PULUMI_ACCESS_TOKEN: undefined } };
    const mint = (options: Parameters<KubernetesOidcIssuerPeer['mintServiceAccountToken']>[0] = {}) => {
      const jwt = kube.mintServiceAccountToken(options);
      issuedJwts.push(jwt);
      return jwt;
    };
    /** As a pod has it: the projected token in a file, handed to the CLI as file://. */
    const tokenFile = (jwt: string) => {
      const path = join(tempDir('stackyard-e2e-sa-token'), 'token');
      writeFileSync(path, `${jwt}\n`);
      return `file://${path}`;
    };
    const oidcLogin = (cli: PulumiCli, jwt: string, extra: string[] = []) => cli.run(['login', '--oidc-token', tokenFile(jwt), '--oidc-org', ORG, ...extra, started.suite.apiUrl], noToken);
    const rest = async <T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${started.suite.apiUrl}${path}`, {
        method,
        headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.pulumi+8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };
    const ok = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
      const res = await rest<T>(method, path, token, body);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const admin = () => started.suite.adminToken;
    const audit = () => auditEvents(started.suite.services.identity.logFile);

    before(async () => {
      const directories = JSON.stringify([
        {
          id: 'corp-ldap',
          displayName: 'Corporate LDAP',
          organization: ORG,
          teamMappings: [{ group: slapd.groups.engineering, team: 'engineering' }],
          ldap: { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn },
        },
      ]);
      [binary, started] = await Promise.all([
        PulumiCli.binaryPath(),
        startSuiteInMode(mode, { serviceEnv: { identity: { STACKYARD_DIRECTORIES: directories, STACKYARD_OIDC_CA_FILE: kube.caFile } } }),
      ]);
      trustInstallationCa(started.suite.caFile);
      // alice signs in once on the console: her directory group puts her in team `engineering`.
      const browser = new TestBrowser(started.suite.consoleUrl);
      const page = await browser.request('/login?next=%2F');
      assert.equal(page.status, 200, page.body);
      const signedIn = await browser.request('/login/directory/corp-ldap', {
        form: { csrf: hiddenField(page.body, 'csrf'), next: hiddenField(page.body, 'next'), username: slapd.users.alice.username, password: slapd.users.alice.password },
      });
      assert.equal(signedIn.status, 303, signedIn.body);
    });

    after(async () => {
      if (started) {
        // Neither a JWT nor an issued token may reach any service's log.
        for (const service of Object.values(started.suite.services)) {
          const log = readFileSync(service.logFile, 'utf8');
          for (const secret of [...issuedJwts, ...issuedTokens]) assert.ok(!log.includes(secret), `a token or JWT appears in ${service.logFile}`);
        }
      }
      await started?.stop();
    });

    void it("an organization admin trusts the cluster's service-account issuer and sets its policy through Pulumi's REST API", async () => {
      const issuer = await ok<OidcIssuerResponse>('POST', `/api/orgs/${ORG}/oidc/issuers`, admin(), { name: 'ci-cluster', url: kube.issuerUrl });
      assert.equal(issuer.issuer, kube.issuerUrl);
      const listed = await ok<{ oidcIssuers: OidcIssuerResponse[] }>('GET', `/api/orgs/${ORG}/oidc/issuers`, admin());
      assert.deepEqual(listed.oidcIssuers.map((i) => i.id), [issuer.id]);
      const policy = await ok<AuthPolicyResponse>('GET', `/api/orgs/${ORG}/auth/policies/oidcissuers/${issuer.id}`, admin());
      const updated = await ok<AuthPolicyResponse>('PATCH', `/api/orgs/${ORG}/auth/policies/${policy.id}`, admin(), {
        policies: [
          { decision: 'allow', tokenType: 'organization', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: DEPLOYER } },
          { decision: 'allow', tokenType: 'team', teamName: 'engineering', authorizedPermissions: [], rules: { aud: AUDIENCE, sub: 'system:serviceaccount:engineering:*' } },
          { decision: 'allow', tokenType: 'personal', userLogin: started.suite.adminLogin, authorizedPermissions: [], rules: { aud: AUDIENCE, sub: 'system:serviceaccount:ops:admin', 'kubernetes.io.namespace': 'ops' } },
        ],
      });
      assert.equal(updated.version, 2);
      // Not for members' eyes, and a bad policy is a 400 with the reason.
      const bad = await rest<{ code: number; message: string }>('PATCH', `/api/orgs/${ORG}/auth/policies/${policy.id}`, admin(), { policies: [{ decision: 'allow', tokenType: 'organization', rules: { sub: '*' } }] });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /^Bad Request: .*must constrain "aud"/);
      assert.ok(audit().some((e) => e['event'] === 'oidc.issuer.registered' && e['issuer'] === kube.issuerUrl && e['actor'] === started.suite.adminLogin));
    });

    void it('pulumi login --oidc-token with a matching service-account token gets a short-lived organization token', async () => {
      const cli = freshCli();
      const login = await oidcLogin(cli, mint());
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stdout, new RegExp(`Logged in to .*127\\.0\\.0\\.1.* as ${ORG} `));
      const whoami = await cli.ok(['whoami', '--verbose'], noToken);
      assert.match(whoami.stdout, new RegExp(`User: ${ORG}\\n`));
      assert.match(whoami.stdout, new RegExp(`Organizations: ${ORG}\\n`));
      assert.match(whoami.stdout, new RegExp(`Token type: organization: ${ORG}\\n`));
      assert.match(whoami.stdout, /Token name: oidc-\d{8}T\d{6}Z-[0-9a-f]{8}\n/);
      // The token works for the CLI's ordinary calls, and lives as long as the CLI asked (2 h by default).
      await cli.ok(['stack', 'ls', '--all'], noToken);
      const credentials = JSON.parse(readFileSync(join(cli.pulumiHome, 'credentials.json'), 'utf8')) as { accounts: Record<string, { accessToken: string; tokenInformation?: { expiresAt?: string } }> };
      const account = credentials.accounts[started.suite.apiUrl];
      issuedTokens.push(account.accessToken);
      const expiresIn = Date.parse(account.tokenInformation?.expiresAt ?? '') - Date.now();
      assert.ok(expiresIn > 7000_000 && expiresIn <= 7200_000, `expires in ${expiresIn} ms`);
      // A longer request is capped by STACKYARD_OIDC_MAX_TOKEN_LIFETIME_SECONDS (2 h).
      const capped = freshCli();
      assert.equal((await oidcLogin(capped, mint(), ['--oidc-expiration', '48h'])).code, 0);
      const cappedAccount = (JSON.parse(readFileSync(join(capped.pulumiHome, 'credentials.json'), 'utf8')) as typeof credentials).accounts[started.suite.apiUrl];
      issuedTokens.push(cappedAccount.accessToken);
      assert.ok(Date.parse(cappedAccount.tokenInformation?.expiresAt ?? '') - Date.now() <= 7200_000);
      const grant = audit().find((e) => e['event'] === 'token.exchange.granted' && e['subject'] === DEPLOYER);
      assert.equal(grant?.['tokenType'], 'organization');
      assert.equal(grant?.['issuerName'], 'ci-cluster');
    });

    void it('--oidc-team and --oidc-user get team and personal tokens where the policy allows them', async () => {
      const team = freshCli();
      const teamLogin = await oidcLogin(team, mint({ namespace: 'engineering', serviceAccount: 'builder', key: 'ec' }), ['--oidc-team', 'engineering']);
      assert.equal(teamLogin.code, 0, teamLogin.stderr);
      const teamWhoami = await team.ok(['whoami', '--verbose'], noToken);
      assert.match(teamWhoami.stdout, new RegExp(`User: ${ORG}\\n`), 'Pulumi shows the organization for team tokens');
      assert.match(teamWhoami.stdout, /Token type: team: engineering\n/);
      const personal = freshCli();
      const personalLogin = await oidcLogin(personal, mint({ namespace: 'ops', serviceAccount: 'admin' }), ['--oidc-user', started.suite.adminLogin]);
      assert.equal(personalLogin.code, 0, personalLogin.stderr);
      const personalWhoami = await personal.ok(['whoami', '--verbose'], noToken);
      assert.match(personalWhoami.stdout, new RegExp(`User: ${started.suite.adminLogin}\\n`));
      // v3.274.1 stores the exchanged token's expiry as token information (`Account.SetCredentials`),
      // so `whoami -v` says "unknown" for any personal token from --oidc-token, whatever the server
      // answers; the server's answer is a personal token: GET /api/user has no tokenInfo.
      assert.match(personalWhoami.stdout, /Token type: (personal|unknown)\n/);
      const stored = JSON.parse(readFileSync(join(personal.pulumiHome, 'credentials.json'), 'utf8')) as { accounts: Record<string, { accessToken: string }> };
      const personalToken = stored.accounts[started.suite.apiUrl].accessToken;
      issuedTokens.push(personalToken);
      const user = await ok<{ githubLogin: string; tokenInfo?: unknown }>('GET', '/api/user', personalToken);
      assert.equal(user.githubLogin, started.suite.adminLogin);
      assert.equal(user.tokenInfo, undefined, 'a personal token');
      // The team's policy does not make a personal token, nor the other way round.
      const crossed = await oidcLogin(freshCli(), mint({ namespace: 'engineering', serviceAccount: 'builder' }), ['--oidc-user', started.suite.adminLogin]);
      assert.notEqual(crossed.code, 0);
      assert.match(crossed.stderr, /no authorization policy rule of issuer 'ci-cluster' allows a personal token for 'admin'/);
    });

    void it('refuses a token matching no policy and every kind of bad JWT, with a clear message and an audit line', async () => {
      const claims = JSON.parse(Buffer.from(mint().split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
      const now = Math.floor(Date.now() / 1000);
      const cases: Array<{ what: string; jwt: string; message: RegExp; reason: string }> = [
        { what: 'wrong issuer', jwt: mint({ claims: { iss: 'https://kubernetes.other-cluster.example' } }), message: /organization 'stackyard' does not trust the token's issuer 'https:\/\/kubernetes\.other-cluster\.example'/, reason: 'untrusted-issuer' },
        { what: 'wrong audience', jwt: mint({ audience: 'https://kubernetes.default.svc' }), message: /no authorization policy rule of issuer 'ci-cluster' allows an organization token for subject 'system:serviceaccount:ci:deployer' \(audience 'https:\/\/kubernetes\.default\.svc'\)/, reason: 'policy-no-match' },
        { what: 'wrong subject', jwt: mint({ serviceAccount: 'default' }), message: /allows an organization token for subject 'system:serviceaccount:ci:default'/, reason: 'policy-no-match' },
        { what: 'expired', jwt: mint({ issuedAt: now - 7200, lifetimeSeconds: 3600 }), message: /the OIDC token is refused: the token expired at/, reason: 'jwt-expired' },
        { what: 'bad signature', jwt: mint({ key: generateSigningKey('RS256', kube.keys.rsa.kid) }), message: /signature does not verify with the issuer's key/, reason: 'jwt-signature' },
        { what: 'alg none', jwt: signJwt({ alg: 'none', typ: 'JWT' }, claims, null), message: /the token is unsigned \(alg 'none'\)/, reason: 'jwt-algorithm' },
        { what: 'HS256', jwt: signJwt({ alg: 'HS256', typ: 'JWT' }, claims, null), message: /signed with a shared secret/, reason: 'jwt-algorithm' },
        { what: 'unknown kid', jwt: mint({ key: generateSigningKey('RS256', 'not-published') }), message: /no RS256 key with the token's key id \(kid\) 'not-published'/, reason: 'jwt-unknown-key' },
      ];
      for (const c of cases) {
        issuedJwts.push(c.jwt);
        const cli = freshCli();
        const login = await oidcLogin(cli, c.jwt);
        assert.notEqual(login.code, 0, `${c.what}: login must fail`);
        assert.match(login.stderr, /OIDC token exchange failed: \{"error":"invalid_request","error_description":/, `${c.what}: ${login.stderr}`);
        assert.match(login.stderr, c.message, c.what);
        const whoami = await cli.run(['whoami'], noToken);
        assert.notEqual(whoami.code, 0, `${c.what}: no account was stored`);
        assert.ok(audit().some((e) => e['event'] === 'token.exchange.refused' && e['reason'] === c.reason), `${c.what}: audit line with reason ${c.reason}`);
      }
    });

    void it("creates, lists and revokes organization, team and personal tokens through Pulumi's REST API; whoami tells them apart", async () => {
      const cliWith = (token: string) => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-machine') });
      const org = await ok<CreateAccessTokenResponse>('POST', `/api/orgs/${ORG}/tokens`, admin(), { name: 'release-pipeline', description: 'release CI', expires: 0 });
      const team = await ok<CreateAccessTokenResponse>('POST', `/api/orgs/${ORG}/teams/engineering/tokens`, admin(), { name: 'engineering-ci', description: 'builds' });
      const personal = await ok<CreateAccessTokenResponse>('POST', '/api/user/tokens', admin(), { description: 'laptop', expires: Math.floor(Date.now() / 1000) + 86_400 });
      issuedTokens.push(org.tokenValue, team.tokenValue, personal.tokenValue);
      for (const created of [org, team, personal]) assert.match(created.tokenValue, /^pul-[0-9a-f]{40}$/);

      const orgCli = cliWith(org.tokenValue);
      await orgCli.login(started.suite.apiUrl);
      const orgWhoami = await orgCli.ok(['whoami', '--verbose']);
      assert.match(orgWhoami.stdout, new RegExp(`User: ${ORG}\\n`));
      assert.match(orgWhoami.stdout, new RegExp(`Token type: organization: ${ORG}\\nToken name: release-pipeline\\n`));
      const teamCli = cliWith(team.tokenValue);
      await teamCli.login(started.suite.apiUrl);
      assert.match((await teamCli.ok(['whoami', '--verbose'])).stdout, /Token type: team: engineering\nToken name: engineering-ci\n/);
      const personalCli = cliWith(personal.tokenValue);
      await personalCli.login(started.suite.apiUrl);
      assert.match((await personalCli.ok(['whoami', '--verbose'])).stdout, new RegExp(`User: ${started.suite.adminLogin}\\n[\\s\\S]*Token type: personal\\n`));

      const orgTokens = await ok<ListAccessTokensResponse>('GET', `/api/orgs/${ORG}/tokens`, admin());
      const listed = orgTokens.tokens.find((t) => t.id === org.id);
      assert.equal(listed?.name, 'release-pipeline');
      assert.equal(listed?.createdBy, started.suite.adminLogin);
      assert.ok((listed?.lastUsed ?? 0) > 0, 'lastUsed reflects the CLI calls');
      assert.ok(!JSON.stringify(orgTokens).includes(org.tokenValue), 'a token value is shown once, at creation');
      // The team's tokens: the one made here, and the one the exchange issued to the team earlier.
      const teamTokens = (await ok<ListAccessTokensResponse>('GET', `/api/orgs/${ORG}/teams/engineering/tokens`, admin())).tokens;
      assert.ok(teamTokens.some((t) => t.name === 'engineering-ci' && t.description === 'builds' && t.createdBy === started.suite.adminLogin));
      assert.ok(teamTokens.some((t) => t.name.startsWith('oidc-') && t.createdBy === null && t.expires > 0 && /subject 'system:serviceaccount:engineering:builder'/.test(t.description)));
      assert.ok((await ok<ListAccessTokensResponse>('GET', '/api/user/tokens', admin())).tokens.some((t) => t.id === personal.id && t.type === 'personal'));

      // Revoked: the CLI is refused within the api's principal cache time, and the name stays taken.
      const revoked = await rest('DELETE', `/api/orgs/${ORG}/tokens/${org.id}`, admin());
      assert.equal(revoked.status, 204);
      let refused = await orgCli.run(['stack', 'ls', '--all']);
      for (let i = 0; i < 40 && refused.code === 0; i++) {
        await sleep(250);
        refused = await orgCli.run(['stack', 'ls', '--all']);
      }
      assert.notEqual(refused.code, 0, 'a revoked organization token must stop working');
      const again = await rest<{ code: number; message: string }>('POST', `/api/orgs/${ORG}/tokens`, admin(), { name: 'release-pipeline' });
      assert.equal(again.status, 409);
      assert.match(again.body.message, /^Conflict: .*names of revoked tokens stay taken/);
      // Organization tokens are managed by organization admins, not by the tokens of a team.
      const forbidden = await rest<{ code: number; message: string }>('GET', `/api/orgs/${ORG}/tokens`, team.tokenValue);
      assert.equal(forbidden.status, 403);
      assert.ok(audit().some((e) => e['event'] === 'token.revoked' && e['tokenId'] === org.id));
    });
  });
}
