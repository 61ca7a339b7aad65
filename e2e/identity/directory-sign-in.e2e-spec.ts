import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_RESOLVE_PATH, type Principal } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { PulumiCli, type SambaAdPeer, type SlapdPeer, startSambaAd, startSlapd, tempDir, TestBrowser } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { cliBrowserLogin, trustInstallationCa } from '../support/cli-browser-login';
import { signInWith, submitDirectoryForm } from '../support/directory-sign-in';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Issue 5, directory sign-in with the real CLI: a person signs in on the console with their LDAP
 * (OpenLDAP slapd) or Active Directory (Samba AD) password during `pulumi login`'s browser flow;
 * the CLI's token works with `pulumi whoami`, the user is keyed by the directory's own id, and the
 * directory's groups (nested ones included) put them in the mapped teams. Wrong passwords and
 * disabled accounts are refused with a clear page and an audit line.
 */

const ORG = 'acme';

let slapd: SlapdPeer;
let samba: SambaAdPeer;

before(async () => {
  [slapd, samba] = await Promise.all([startSlapd(), startSambaAd()]);
});

after(async () => {
  await Promise.all([slapd?.stop(), samba?.stop()]);
});

function directories(): string {
  return JSON.stringify([
    {
      id: 'corp-ldap',
      displayName: 'Corporate LDAP',
      organization: ORG,
      teamMappings: [
        { group: slapd.groups.engineering, team: 'engineering' },
        { group: 'finance', team: 'finance' },
      ],
      ldap: { kind: 'openldap', url: slapd.ldapsUrl, caCertificates: slapd.caPem, bindDn: slapd.serviceBindDn, bindPassword: slapd.servicePassword, userBaseDn: slapd.peopleDn },
    },
    {
      id: 'corp-ad',
      displayName: 'Active Directory',
      organization: ORG,
      teamMappings: [{ group: samba.groups.platformEngineers, team: 'platform-engineers' }],
      // Plain LDAP upgraded with StartTLS: the other of the two secure transports.
      ldap: { kind: 'active-directory', url: samba.ldapUrl, startTls: true, caCertificates: samba.caPem, bindDn: samba.servicePrincipalName, bindPassword: samba.servicePassword, userBaseDn: samba.usersDn },
    },
  ]);
}

for (const mode of selectedModes()) {
  describe(`directory sign-in and CLI browser login with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;
    let identity: InternalClient;

    const principalOf = (token: string) => identity.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash: createHash('sha256').update(token).digest('hex') });
    const audit = () => auditEvents(started.suite.services.identity.logFile);
    const cliWith = (token: string) => new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-directory') });

    before(async () => {
      [binary, started] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode, { serviceEnv: { identity: { STACKYARD_DIRECTORIES: directories() } } })]);
      trustInstallationCa(started.suite.caFile);
      const { pki } = started.suite;
      // Looking at what the api would see: the principal behind a token, teams included.
      identity = new InternalClient({ baseUrl: started.suite.services.identity.url, expectService: 'identity', caFile: pki.caFile, certFile: pki.services.api.certFile, keyFile: pki.services.api.keyFile });
    });

    after(async () => {
      identity?.close();
      await started?.stop();
    });

    void it('logs the CLI in as an LDAP user, whose nested group lands them in the mapped team', async () => {
      const { alice } = slapd.users;
      const { token } = await cliBrowserLogin(started.suite.consoleUrl, signInWith('corp-ldap', alice.username, alice.password));
      const cli = cliWith(token);
      await cli.login(started.suite.apiUrl);
      const whoami = await cli.ok(['whoami', '--verbose']);
      assert.match(whoami.stdout, /User: alice\b/);
      assert.match(whoami.stdout, new RegExp(`Organizations: .*\\b${ORG}\\b`));
      const principal = await principalOf(token);
      assert.equal(principal.login, 'alice');
      assert.equal(principal.name, alice.displayName);
      assert.equal(principal.token.kind, 'personal');
      // alice is in `platform`, which is in `engineering`: the mapping names the outer group.
      assert.deepEqual(principal.teams, [{ organization: ORG, team: 'engineering' }]);
      assert.ok(audit().some((e) => e['event'] === 'auth.sign-in.succeeded' && e['method'] === 'corp-ldap' && e['username'] === 'alice' && e['user'] === 'alice'));
    });

    void it('logs the CLI in as an Active Directory user by UPN, with the nested AD group mapped to a team', async () => {
      const { alice } = samba.users;
      const { token } = await cliBrowserLogin(started.suite.consoleUrl, signInWith('corp-ad', alice.userPrincipalName, alice.password));
      const cli = cliWith(token);
      await cli.login(started.suite.apiUrl);
      // The LDAP alice already holds `alice`: a different person (another provider, another
      // subject) gets her own login, never the other's account.
      const whoami = await cli.ok(['whoami', '--verbose']);
      assert.match(whoami.stdout, /User: alice-2\b/);
      const principal = await principalOf(token);
      assert.deepEqual(principal.teams, [{ organization: ORG, team: 'platform-engineers' }]);
      // Signing in again by sAMAccountName finds the same user (keyed by objectGUID, not by name).
      const again = await cliBrowserLogin(started.suite.consoleUrl, signInWith('corp-ad', alice.sAMAccountName, alice.password));
      assert.equal((await principalOf(again.token)).userId, principal.userId);
    });

    void it('refuses wrong passwords and disabled accounts with a clear page and an audit line, and signs no one in', async () => {
      const cases = [
        { method: 'corp-ldap', username: slapd.users.alice.username, password: 'not her password', status: 401, message: /username or password is not correct/ },
        // OpenLDAP's ppolicy refuses a locked account before checking the password, so the page
        // must not tell it apart from a wrong password (the audit line does).
        { method: 'corp-ldap', username: slapd.users.bob.username, password: slapd.users.bob.password, status: 401, message: /username or password is not correct/ },
        // Active Directory checks the password first, so a disabled account may be named.
        { method: 'corp-ad', username: samba.users.bob.sAMAccountName, password: samba.users.bob.password, status: 403, message: /disabled in the directory/ },
      ];
      for (const c of cases) {
        const browser = new TestBrowser(started.suite.consoleUrl);
        const posted = await submitDirectoryForm(browser, '/login?next=%2F', c.method, c.username, c.password);
        assert.equal(posted.status, c.status, posted.body);
        assert.match(posted.body, c.message);
        assert.ok(!posted.body.includes(c.password), 'the password is never echoed');
        assert.equal(browser.jar.has('__Host-stackyard-session'), false, 'no session');
      }
      const failures = audit().filter((e) => e['event'] === 'auth.sign-in.failed');
      const failure = (method: string, username: string) => failures.find((e) => e['method'] === method && e['username'] === username);
      assert.equal(failure('corp-ldap', 'alice')?.['reason'], 'invalid-credentials');
      assert.equal(failure('corp-ldap', 'bob')?.['reason'], 'invalid-credentials');
      assert.match(String(failure('corp-ldap', 'bob')?.['detail']), /locked by an administrator.*password not verified/);
      assert.equal(failure('corp-ad', 'bob')?.['reason'], 'disabled');
      const log = readFileSync(started.suite.services.identity.logFile, 'utf8');
      for (const secret of [slapd.users.alice.password, slapd.users.bob.password, samba.users.bob.password, 'not her password']) assert.ok(!log.includes(secret), 'no password in the identity log');
    });

    void it('stops accepting the CLI token once it is revoked', async () => {
      const { carol } = slapd.users;
      const { token } = await cliBrowserLogin(started.suite.consoleUrl, signInWith('corp-ldap', carol.username, carol.password));
      const cli = cliWith(token);
      await cli.login(started.suite.apiUrl);
      await started.suite.revokeToken((await principalOf(token)).token.id);
      // The api may trust a resolved token for a few seconds (docs/architecture.md: within 5 s).
      let refused = await cli.run(['stack', 'ls', '--all']);
      for (let i = 0; i < 40 && refused.code === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        refused = await cli.run(['stack', 'ls', '--all']);
      }
      assert.notEqual(refused.code, 0, 'a revoked CLI-login token must stop working');
      assert.match(refused.stderr, /401|log(ging)? in|unauthorized/i);
    });
  });
}
