import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { AuditLogEventsResponse, CreateAccessTokenResponse } from '@stackyard/shared-contracts';
import { trustInstallationCa } from '../support/cli-browser-login';
import { MODE_TITLES, selectedModes, startSuiteInMode, type StartedSuite } from '../support/suite-modes';

/**
 * The stored audit log through the api, as Pulumi's REST API shows it: actions the api records
 * (a stack created) and actions identity records (an organization token created) show up in
 * `GET /api/orgs/{org}/auditlogs` at once, filtered and exported as Pulumi does (CSV and CEF,
 * gzip-encoded); members without `audit_log:read` get 403 and outsiders 404; and the chain the
 * services built verifies with the identity verifier.
 */

/** GET with the raw bytes and headers (fetch would undo the gzip encoding this test checks). */
function rawGet(url: string, token: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `token ${token}`, 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

for (const mode of selectedModes()) {
  void describe(`the audit log through the api — ${MODE_TITLES[mode]}`, { timeout: 10 * 60_000 }, () => {
    let started: StartedSuite;
    let memberToken: string;
    const org = () => started.suite.org;

    const rest = async <T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${started.suite.apiUrl}${path}`, {
        method,
        headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.pulumi+8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };

    before(async () => {
      started = await startSuiteInMode(mode);
      trustInstallationCa(started.suite.caFile);
      memberToken = (await started.suite.mintToken('bob', 'laptop')).token;
    });

    after(async () => {
      await started?.stop();
    });

    void it('shows an organization token created in identity and a stack created in the api, at once', async () => {
      const admin = started.suite.adminToken;
      const created = await rest<CreateAccessTokenResponse>('POST', `/api/orgs/${org()}/tokens`, admin, { name: 'deploy-bot', description: 'CI' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const stack = await rest('POST', `/api/stacks/${org()}/audited`, admin, { stackName: 'dev' });
      assert.equal(stack.status, 200, JSON.stringify(stack.body));

      const page = await rest<AuditLogEventsResponse>('GET', `/api/orgs/${org()}/auditlogs?pageSize=50`, admin);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const events = page.body.auditLogEvents;
      const stackCreated = events.find((e) => e.event === 'stack_created');
      const tokenCreated = events.find((e) => e.event === 'access_token_created');
      assert.ok(stackCreated, `stack_created is listed: ${JSON.stringify(events.map((e) => e.event))}`);
      assert.ok(tokenCreated, 'access_token_created is listed');
      assert.ok(events.indexOf(stackCreated) < events.indexOf(tokenCreated), 'newest first');
      assert.equal(stackCreated.description, `stack '${org()}/audited/dev' created`);
      assert.equal(stackCreated.user.githubLogin, started.suite.adminLogin);
      assert.equal(stackCreated.actorUrn, `urn:stackyard:user:${started.suite.adminLogin}`);
      assert.match(stackCreated.sourceIP, /^(::ffff:)?127\.0\.0\.1$/);
      assert.ok(stackCreated.tokenID, 'the token the request was made with');
      assert.ok(Math.abs(stackCreated.timestamp - Date.now() / 1000) < 120, 'unix seconds');
      assert.equal(tokenCreated.description, `organization access token 'deploy-bot' created for organization '${org()}'`);
      // Recorded by identity, with the address the api saw the caller at.
      assert.match(tokenCreated.sourceIP, /^(::ffff:)?127\.0\.0\.1$/);
      assert.equal(tokenCreated.reqOrgAdmin, true);
      // The token's value is shown once and never appears in the log.
      assert.ok(!JSON.stringify(page.body).includes(created.body.tokenValue));

      const v2 = await rest<AuditLogEventsResponse>('GET', `/api/orgs/${org()}/auditlogs/v2?startTime=${Math.floor(Date.now() / 1000) - 600}&eventFilter=stack_created`, admin);
      assert.equal(v2.status, 200, JSON.stringify(v2.body));
      assert.deepEqual(
        v2.body.auditLogEvents.map((e) => e.event),
        ['stack_created'],
      );
    });

    void it('exports gzip-encoded CSV and CEF', async () => {
      const csv = await rawGet(`${started.suite.apiUrl}/api/orgs/${org()}/auditlogs/export?format=csv`, started.suite.adminToken);
      assert.equal(csv.status, 200, csv.body.toString());
      assert.equal(csv.headers['content-encoding'], 'gzip');
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      const text = gunzipSync(csv.body).toString('utf8');
      assert.match(text, /^timestamp,sourceIP,event,description,user,tokenID,tokenName,reqOrgAdmin,reqStackAdmin,authFailure,actorName,actorUrn\r\n/);
      assert.match(text, /,stack_created,stack '[^']+\/audited\/dev' created,/);
      const cef = await rawGet(`${started.suite.apiUrl}/api/orgs/${org()}/auditlogs/v2/export?format=cef&eventFilter=access_token_created`, started.suite.adminToken);
      assert.equal(cef.status, 200);
      assert.match(gunzipSync(cef.body).toString('utf8'), /^CEF:0\|Stackyard\|Stackyard\|[^|]+\|access_token_created\|organization access token 'deploy-bot' created/);
    });

    void it('answers 403 to members without audit_log:read, 404 for other organizations, 400 for bad parameters', async () => {
      const member = await rest<{ code: number; message: string }>('GET', `/api/orgs/${org()}/auditlogs`, memberToken);
      assert.equal(member.status, 403);
      assert.match(member.body.message, /audit_log:read/);
      const other = await rest<{ code: number; message: string }>('GET', '/api/orgs/someone-else/auditlogs', started.suite.adminToken);
      assert.equal(other.status, 404);
      const bad = await rest<{ code: number; message: string }>('GET', `/api/orgs/${org()}/auditlogs?startTime=soon`, started.suite.adminToken);
      assert.deepEqual(bad, { status: 400, body: { code: 400, message: "Bad Request: 'startTime' must be a time in unix seconds" } });
    });

    void it('leaves a chain the verifier accepts', () => {
      const identityEnv = started.suite.serviceEnvs.identity;
      const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'apps', 'identity', 'src', 'audit-verify.js')], {
        env: { PATH: process.env['PATH'], STACKYARD_DATABASE_URL: identityEnv['STACKYARD_DATABASE_URL'] },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /^audit log intact: \d+ events verified/);
    });
  });
}
