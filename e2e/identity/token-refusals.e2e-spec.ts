import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PulumiCli, tempDir } from '@stackyard/testing';
import { auditEvents } from '../support/audit-log';
import { trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * Issue 5: revoked, expired and malformed access tokens are refused — the real CLI stops with its
 * own "Unauthorized" (it prints a fixed text for every 401), the api's error body says which it was
 * for any other client — and each refusal is an audit event naming the token (never its value).
 */
for (const mode of selectedModes()) {
  describe(`refused access tokens with the real CLI — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let binary: string;

    before(async () => {
      [binary, started] = await Promise.all([PulumiCli.binaryPath(), startSuiteInMode(mode)]);
      trustInstallationCa(started.suite.caFile);
    });

    after(async () => {
      await started?.stop();
    });

    /**
     * `pulumi login` with `token` must fail; returns the message of the api's error body for the
     * same token on `GET /api/user` (what the CLI validates with).
     */
    async function refusedLogin(token: string): Promise<string> {
      const cli = new PulumiCli({ binary, caFile: started.suite.caFile, accessToken: token, cwd: tempDir('stackyard-e2e-tokens') });
      const result = await cli.run(['login', started.suite.apiUrl]);
      assert.notEqual(result.code, 0, `the CLI accepted the token:\n${result.stdout}`);
      assert.match(result.stderr, /could not log in to the state backend .*Unauthorized/);
      const res = await fetch(`${started.suite.apiUrl}/api/user`, { headers: { authorization: `token ${token}`, accept: 'application/vnd.pulumi+8' } });
      assert.equal(res.status, 401);
      const body = (await res.json()) as { code: number; message: string };
      assert.equal(body.code, 401);
      assert.ok(!body.message.includes(token), 'the error body never repeats the token');
      return body.message;
    }

    void it('refuses a revoked token, saying so, and audits it', async () => {
      const minted = await started.suite.mintToken(started.suite.adminLogin, 'to-be-revoked');
      await started.suite.revokeToken(minted.id);
      assert.match(await refusedLogin(minted.token), /^Unauthorized: the access token has been revoked$/);
      const event = auditEvents(started.suite.services.identity.logFile).find((e) => e['event'] === 'auth.token.refused' && e['tokenId'] === minted.id);
      assert.deepEqual(event, { event: 'auth.token.refused', reason: 'revoked', tokenId: minted.id, tokenName: 'to-be-revoked', tokenKind: 'personal' });
    });

    void it('refuses an expired token, saying so, and audits it', async () => {
      const minted = await started.suite.mintToken(started.suite.adminLogin, 'short-lived', { expiresInSeconds: 1 });
      await sleep(1_500);
      assert.match(await refusedLogin(minted.token), /^Unauthorized: the access token has expired$/);
      const event = auditEvents(started.suite.services.identity.logFile).find((e) => e['event'] === 'auth.token.refused' && e['tokenId'] === minted.id);
      assert.equal(event?.['reason'], 'expired');
    });

    void it('refuses unknown and malformed tokens, and audits them', async () => {
      assert.match(await refusedLogin(`pul-${'0'.repeat(40)}`), /^Unauthorized: the access token is not recognised$/);
      assert.ok(auditEvents(started.suite.services.identity.logFile).some((e) => e['event'] === 'auth.token.refused' && e['reason'] === 'unknown' && e['tokenId'] === null));
      assert.match(await refusedLogin('short'), /^Unauthorized: malformed access token$/);
      const malformed = auditEvents(started.suite.services.api.logFile).filter((e) => e['event'] === 'auth.token.refused' && e['reason'] === 'malformed');
      assert.equal(malformed.length >= 1, true);
      assert.equal(malformed.at(-1)?.['length'], 5);
    });
  });
}
