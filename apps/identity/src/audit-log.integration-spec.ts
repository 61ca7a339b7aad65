import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken, hashAccessToken } from '@stackyard/identity-domain';
import {
  type AuditChainVerification,
  type AuditEventInput,
  type AuditEventsIngestResponse,
  type AuditLogEventsResponse,
  type AuditLogExportResponse,
  IDENTITY_AUDIT_EVENTS_PATH,
  IDENTITY_AUDIT_VERIFY_PATH,
  identityAuditLogExportPath,
  identityAuditLogQueryPath,
} from '@stackyard/shared-contracts';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { type EmbeddedPki, ensureEmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { freePort, type PeerProcess, spawnPeer, tempDir, waitUntil } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';
import { databaseEngines } from './testing/database-engines';

const ORG = 'stackyard';
/** Query fixtures live in 2027, after anything identity records on its own during the test. */
const T0 = 1_800_000_000;
const VERIFY_SCRIPT = join(__dirname, 'audit-verify.js');
const MAIN_SCRIPT = join(__dirname, 'main.js');

function clientAs(pki: EmbeddedPki, service: ServiceName, baseUrl: string): InternalClient {
  const { certFile, keyFile } = pki.services[service];
  return new InternalClient({ baseUrl, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 30_000 });
}

function event(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    timestamp: Date.now(),
    organization: ORG,
    event: 'stack_created',
    description: "stack 'stackyard/web/dev' created",
    sourceIp: '203.0.113.7',
    user: 'alice',
    actorName: 'alice',
    actorUrn: 'urn:stackyard:user:alice',
    ...overrides,
  };
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.match(error.message, message);
    return true;
  });
}

for (const engine of databaseEngines()) {
  void describe(`the stored audit log on ${engine.name}`, () => {
    let dir: string;
    let pki: EmbeddedPki;
    let databaseUrl: string;
    let running: RunningIdentity;
    let second: PeerProcess;
    let api: InternalClient;
    let apiOnSecond: InternalClient;
    const adminToken = generateAccessToken();
    let bobToken: string;

    const ingest = (client: InternalClient, events: AuditEventInput[]) => client.post<AuditEventsIngestResponse>(IDENTITY_AUDIT_EVENTS_PATH, { events });
    const query = (token: string, version: 1 | 2, params: Record<string, string>, org = ORG) =>
      api.post<AuditLogEventsResponse>(identityAuditLogQueryPath(org), { actorTokenHash: hashAccessToken(token), version, query: params });
    const exportAs = (token: string, version: 1 | 2, params: Record<string, string>) =>
      api.post<AuditLogExportResponse>(identityAuditLogExportPath(ORG), { actorTokenHash: hashAccessToken(token), version, query: params });
    const verifyCli = () => {
      const run = spawnSync(process.execPath, [VERIFY_SCRIPT], { env: { PATH: process.env['PATH'], STACKYARD_DATABASE_URL: databaseUrl }, encoding: 'utf8', timeout: 60_000 });
      return { status: run.status, output: `${run.stdout}${run.stderr}` };
    };
    const sql = <T>(text: string, parameters: unknown[] = []) => running.dataSource.query<T>(text, parameters);

    before(async () => {
      dir = tempDir('stackyard-audit-log-it');
      pki = await ensureEmbeddedPki(join(dir, 'pki'), []);
      databaseUrl = await engine.newDatabaseUrl(dir, 'identity');
      const env = {
        STACKYARD_DATABASE_URL: databaseUrl,
        STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
        STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
        STACKYARD_INTERNAL_CA_FILE: pki.caFile,
        STACKYARD_BOOTSTRAP_ADMIN_TOKEN: adminToken,
        STACKYARD_LOG_FORMAT: 'json',
      };
      running = await startIdentity(loadIdentityConfig({ ...env, STACKYARD_PORT: '0' }));
      api = clientAs(pki, 'api', running.url);
      // A second replica in its own process (as in production: SQLite's file lock and MariaDB's
      // row lock are what keep the two from forking the chain).
      const port = await freePort();
      second = spawnPeer({ name: 'identity-2', command: process.execPath, args: [MAIN_SCRIPT], logFile: join(dir, 'identity-2.log'), env: { PATH: process.env['PATH'], ...env, STACKYARD_PORT: String(port) } });
      apiOnSecond = clientAs(pki, 'api', `https://127.0.0.1:${port}`);
      await waitUntil(
        () =>
          ingest(apiOnSecond, []).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 60_000, what: 'the second identity replica', peer: second },
      );
      bobToken = (await api.post<{ token: string }>('/internal/v1/tokens', { login: 'bob', name: 'laptop' })).token;
    });

    after(async () => {
      api?.close();
      apiOnSecond?.close();
      await second?.stop();
      await running?.close();
      await engine.stop();
    });

    void it('keeps one gap-free chain while two replicas append concurrently', async () => {
      const before = (await sql<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM audit_log'))[0];
      const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 15 }, (_, i) => event({ organization: 'load', description: `batch ${b} event ${i}`, timestamp: Date.now() + i })));
      await Promise.all(batches.map((batch, b) => ingest(b % 2 === 0 ? api : apiOnSecond, batch)));
      const rows = await sql<Array<{ sequence: number | string; prev_hash: string; hash: string }>>('SELECT sequence, prev_hash, hash FROM audit_log ORDER BY sequence');
      assert.equal(rows.length, Number(before.n) + 40 * 15);
      rows.forEach((row, i) => {
        assert.equal(Number(row.sequence), i + 1, 'sequences are contiguous from 1');
        if (i > 0) assert.equal(row.prev_hash, rows[i - 1].hash, `sequence ${i + 1} links to sequence ${i}`);
      });
      // Each batch was stored in one transaction, so its events are consecutive links.
      const descriptions = (await sql<Array<{ description: string }>>("SELECT description FROM audit_log WHERE organization = 'load' ORDER BY sequence")).map((r) => r.description);
      for (let b = 0; b < 40; b++) {
        const start = descriptions.indexOf(`batch ${b} event 0`);
        assert.deepEqual(descriptions.slice(start, start + 15), Array.from({ length: 15 }, (_, i) => `batch ${b} event ${i}`));
      }
      assert.deepEqual(await api.post<AuditChainVerification>(IDENTITY_AUDIT_VERIFY_PATH, {}), { ok: true, linksChecked: rows.length, lastSequence: rows.length });
    });

    void it('refuses malformed events and callers other than the api and the console backend', async () => {
      await rejectsWithStatus(ingest(api, [{ ...event(), event: 'Stack Created' }]), 400, /events\[0\]: 'event' must be a snake_case name/);
      await rejectsWithStatus(api.post(IDENTITY_AUDIT_EVENTS_PATH, { events: 'nope' }), 400, /'events' must be an array/);
      await rejectsWithStatus(ingest(api, [event({ timestamp: -1 })]), 400, /'timestamp' must be epoch milliseconds/);
      const console = clientAs(pki, 'console-backend', running.url);
      try {
        await ingest(console, [event({ event: 'member_added', description: 'from the console' })]);
        await rejectsWithStatus(console.post(identityAuditLogQueryPath(ORG), { actorTokenHash: hashAccessToken(adminToken), version: 1, query: {} }), 403, /for the api service only/);
      } finally {
        console.close();
      }
      const secrets = clientAs(pki, 'secrets', running.url);
      try {
        // Identity admits only its peers at all; the audit routes' own guard is the second line.
        await rejectsWithStatus(ingest(secrets, [event()]), 403, /accepts only mutually authenticated Stackyard services/);
      } finally {
        secrets.close();
      }
    });

    void describe('queries', () => {
      before(async () => {
        await ingest(api, [
          event({ timestamp: (T0 + 10) * 1000, event: 'stack_created', user: 'alice', description: 'e1' }),
          event({ timestamp: (T0 + 20) * 1000, event: 'stack_deleted', user: 'bob', actorName: 'bob', actorUrn: 'urn:stackyard:user:bob', description: 'e2', authFailure: true }),
          event({ timestamp: (T0 + 30) * 1000, event: 'stack_created', user: 'bob', actorName: 'bob', actorUrn: 'urn:stackyard:user:bob', description: 'e3', tokenId: 'tok-1', tokenName: 'laptop' }),
          event({ timestamp: (T0 + 40) * 1000, event: 'member_added', user: 'alice', description: 'e4, with "quotes" | pipes = equals \\ backslash\nand a new line', reqOrgAdmin: true }),
          event({ timestamp: (T0 + 50) * 1000, event: 'stack_created', user: null, actorName: 'organization token deploy', actorUrn: 'urn:stackyard:token:t-9', description: 'e5', tokenId: 't-9', tokenName: 'deploy' }),
          event({ timestamp: (T0 + 30) * 1000, organization: 'elsewhere', description: 'not ours' }),
        ]);
      });

      void it('answers v2 with a time range, event and user filters, newest first, in Pulumi’s shape', async () => {
        const all = await query(adminToken, 2, { startTime: String(T0), endTime: String(T0 + 60) });
        assert.deepEqual(
          all.auditLogEvents.map((e) => e.description.slice(0, 2)),
          ['e5', 'e4', 'e3', 'e2', 'e1'],
        );
        assert.equal(all.continuationToken, undefined);
        assert.deepEqual(all.auditLogEvents[2], {
          timestamp: T0 + 30,
          sourceIP: '203.0.113.7',
          event: 'stack_created',
          description: 'e3',
          user: { name: 'bob', githubLogin: 'bob', avatarUrl: '' },
          tokenID: 'tok-1',
          tokenName: 'laptop',
          reqOrgAdmin: false,
          reqStackAdmin: false,
          authFailure: false,
          actorName: 'bob',
          actorUrn: 'urn:stackyard:user:bob',
        });
        assert.deepEqual(all.auditLogEvents[0].user, { name: '', githubLogin: '', avatarUrl: '' }, 'an organization token is no user');
        const created = await query(adminToken, 2, { startTime: String(T0), eventFilter: 'stack_created' });
        assert.deepEqual(created.auditLogEvents.map((e) => e.description), ['e5', 'e3', 'e1']);
        const several = await query(adminToken, 2, { startTime: String(T0), eventFilter: 'stack_deleted,member_added' });
        assert.deepEqual(several.auditLogEvents.map((e) => e.description.slice(0, 2)), ['e4', 'e2']);
        const bobs = await query(adminToken, 2, { startTime: String(T0), userFilter: 'bob' });
        assert.deepEqual(bobs.auditLogEvents.map((e) => e.description), ['e3', 'e2']);
        const window = await query(adminToken, 2, { startTime: String(T0 + 20), endTime: String(T0 + 40) });
        assert.deepEqual(window.auditLogEvents.map((e) => e.description.slice(0, 2)), ['e4', 'e3', 'e2'], 'both bounds are inclusive');
      });

      void it('answers v1 with startTime as the upper bound and pages with continuation tokens', async () => {
        const upTo = await query(adminToken, 1, { startTime: String(T0 + 30), pageSize: '2' });
        assert.deepEqual(upTo.auditLogEvents.map((e) => e.description), ['e3', 'e2']);
        assert.ok(upTo.continuationToken);
        const next = await query(adminToken, 1, { startTime: String(T0 + 30), pageSize: '2', continuationToken: upTo.continuationToken });
        assert.equal(next.auditLogEvents[0].description, 'e1');
        assert.ok(next.auditLogEvents.every((e) => e.timestamp <= T0 + 30));
        // Walking every page of the v2 range returns each event once.
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const page = await query(adminToken, 2, { startTime: String(T0), pageSize: '2', ...(token ? { continuationToken: token } : {}) });
          seen.push(...page.auditLogEvents.map((e) => e.description.slice(0, 2)));
          token = page.continuationToken;
        } while (token);
        assert.deepEqual(seen, ['e5', 'e4', 'e3', 'e2', 'e1']);
      });

      void it('answers 400 for malformed parameters', async () => {
        await rejectsWithStatus(query(adminToken, 1, { startTime: 'yesterday' }), 400, /'startTime' must be a time in unix seconds/);
        await rejectsWithStatus(query(adminToken, 1, { pageSize: '0' }), 400, /'pageSize' must be a number from 1 to 1000/);
        await rejectsWithStatus(query(adminToken, 1, { continuationToken: 'forged!' }), 400, /'continuationToken' is not one this API returned/);
        await rejectsWithStatus(query(adminToken, 2, { startTime: String(T0 + 10), endTime: String(T0) }), 400, /'endTime' must not be before 'startTime'/);
        await rejectsWithStatus(query(adminToken, 2, { eventFilter: 'DROP TABLE' }), 400, /'eventFilter' must be event names/);
        await rejectsWithStatus(query(adminToken, 2, { userFilter: 'not a login!' }), 400, /'userFilter' must be a user login/);
        await rejectsWithStatus(exportAs(adminToken, 2, { format: 'xml' }), 400, /'format' must be csv or cef/);
      });

      void it('answers 404 to non-members and 403 to members without audit_log:read', async () => {
        await rejectsWithStatus(query(adminToken, 1, {}, 'elsewhere'), 404, /Organization 'elsewhere' not found/);
        await rejectsWithStatus(query(bobToken, 1, {}), 403, /reading the audit log in organization 'stackyard' needs the 'audit_log:read' permission/);
        await rejectsWithStatus(exportAs(bobToken, 1, { format: 'csv' }), 403, /audit_log:read/);
        await rejectsWithStatus(query(generateAccessToken(), 1, {}), 401, /not recognised/);
      });

      void it('exports CSV (RFC 4180) and CEF with the same filters', async () => {
        const csv = await exportAs(adminToken, 2, { startTime: String(T0), endTime: String(T0 + 45), format: 'csv' });
        assert.equal(csv.contentType, 'text/csv; charset=utf-8');
        assert.match(csv.fileName, /^auditlogs-stackyard-.*\.csv$/);
        const lines = csv.body.split('\r\n');
        assert.equal(lines[0], 'timestamp,sourceIP,event,description,user,tokenID,tokenName,reqOrgAdmin,reqStackAdmin,authFailure,actorName,actorUrn');
        assert.equal(lines[1], `${T0 + 40},203.0.113.7,member_added,"e4, with ""quotes"" | pipes = equals \\ backslash\nand a new line",alice,,,true,false,false,alice,urn:stackyard:user:alice`);
        assert.equal(lines[2], `${T0 + 30},203.0.113.7,stack_created,e3,bob,tok-1,laptop,false,false,false,bob,urn:stackyard:user:bob`);
        assert.equal(lines.length, 6, 'four events, a header and the empty string after the last CRLF');
        assert.equal(lines.at(-1), '');

        const cef = await exportAs(adminToken, 2, { startTime: String(T0), endTime: String(T0 + 45), format: 'cef' });
        const cefLines = cef.body.trimEnd().split('\n');
        assert.equal(cefLines.length, 4);
        assert.match(
          cefLines[0],
          /^CEF:0\|Stackyard\|Stackyard\|0\.1\.0\|member_added\|e4, with "quotes" \\\| pipes = equals \\\\ backslash and a new line\|5\|rt=1800000040000 externalId=\d+ act=member_added src=203\.0\.113\.7 suser=alice cs1Label=organization cs1=stackyard cs2Label=actorName cs2=alice cs3Label=actorUrn cs3=urn:stackyard:user:alice$/,
        );
        assert.match(cefLines[2], /\|stack_deleted\|e2\|7\|.* outcome=failure /);
      });
    });

    void describe('the verifier', () => {
      const lastSequence = async () => Number((await sql<Array<{ s: number | string }>>('SELECT MAX(sequence) AS s FROM audit_log'))[0].s);

      void it('passes an intact chain', () => {
        const run = verifyCli();
        assert.equal(run.status, 0, run.output);
        assert.match(run.output, /^audit log intact: \d+ events verified, sequence 1 to \d+$/m);
      });

      void it('names an edited row', async () => {
        const [row] = await sql<Array<{ description: string }>>('SELECT description FROM audit_log WHERE sequence = 5');
        await sql("UPDATE audit_log SET description = 'nothing to see here' WHERE sequence = 5");
        try {
          const run = verifyCli();
          assert.equal(run.status, 1, run.output);
          assert.match(run.output, /audit log BROKEN at sequence 5: sequence 5: the stored hash does not match the row's content/);
          const viaApi = await api.post<AuditChainVerification>(IDENTITY_AUDIT_VERIFY_PATH, {});
          assert.equal(viaApi.ok, false);
          assert.deepEqual(viaApi.broken?.sequence, 5);
          assert.equal(viaApi.linksChecked, 4);
        } finally {
          await sql('UPDATE audit_log SET description = ? WHERE sequence = 5', [row.description]);
        }
        assert.equal(verifyCli().status, 0, 'intact again once restored');
      });

      void it('names a deleted row, in the middle and at the end', async () => {
        const [middle] = await sql<Array<Record<string, unknown>>>('SELECT * FROM audit_log WHERE sequence = 7');
        await sql('DELETE FROM audit_log WHERE sequence = 7');
        let run = verifyCli();
        await sql(`INSERT INTO audit_log (${Object.keys(middle).join(', ')}) VALUES (${Object.keys(middle).map(() => '?').join(', ')})`, Object.values(middle));
        assert.equal(run.status, 1, run.output);
        assert.match(run.output, /BROKEN at sequence 7: sequence 7 is missing: the row after sequence 6 is sequence 8 \(a row was deleted\)/);
        assert.equal(verifyCli().status, 0);

        const last = await lastSequence();
        const [tail] = await sql<Array<Record<string, unknown>>>('SELECT * FROM audit_log WHERE sequence = ?', [last]);
        await sql('DELETE FROM audit_log WHERE sequence = ?', [last]);
        run = verifyCli();
        await sql(`INSERT INTO audit_log (${Object.keys(tail).join(', ')}) VALUES (${Object.keys(tail).map(() => '?').join(', ')})`, Object.values(tail));
        assert.equal(run.status, 1, run.output);
        assert.match(run.output, new RegExp(`BROKEN at sequence ${last}: sequence ${last} is missing: the chain head says the log ends at ${last} but the last row is ${last - 1}`));
        assert.equal(verifyCli().status, 0);
      });

      void it('names a reordered row', async () => {
        const swap = async (a: number, b: number) => {
          await sql('UPDATE audit_log SET sequence = -1 WHERE sequence = ?', [a]);
          await sql('UPDATE audit_log SET sequence = ? WHERE sequence = ?', [a, b]);
          await sql('UPDATE audit_log SET sequence = ? WHERE sequence = -1', [b]);
        };
        await swap(3, 4);
        const run = verifyCli();
        await swap(3, 4);
        assert.equal(run.status, 1, run.output);
        assert.match(run.output, /BROKEN at sequence 3: sequence 3: the stored hash does not match the row's content \(the row was edited or moved\)/);
        // A row with a recomputed hash but linked to the wrong predecessor is caught by prev_hash.
        const [row] = await sql<Array<{ prev_hash: string }>>('SELECT prev_hash FROM audit_log WHERE sequence = 9');
        await sql("UPDATE audit_log SET prev_hash = ? WHERE sequence = 9", ['f'.repeat(64)]);
        const relinked = verifyCli();
        await sql('UPDATE audit_log SET prev_hash = ? WHERE sequence = 9', [row.prev_hash]);
        assert.equal(relinked.status, 1);
        assert.match(relinked.output, /BROKEN at sequence 9/);
        assert.equal(verifyCli().status, 0);
      });
    });
  });
}
