import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAccessToken } from '@stackyard/identity-domain';
import { type AuditEventInput, type AuditEventsIngestResponse, IDENTITY_AUDIT_EVENTS_PATH } from '@stackyard/shared-contracts';
import { InternalClient } from '@stackyard/shared-http';
import { ConfigError } from '@stackyard/shared-config';
import { type EmbeddedPki, ensureEmbeddedPki } from '@stackyard/shared-tls';
import { type RsyslogPeer, startRsyslog, tempDir } from '@stackyard/testing';
import { loadIdentityConfig } from './identity.config';
import { type RunningIdentity, startIdentity } from './start-identity';

function event(description: string, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    timestamp: Date.UTC(2027, 0, 15, 8, 0, 0, 250),
    organization: 'stackyard',
    event: 'stack_created',
    description,
    sourceIp: '203.0.113.7',
    user: 'alice',
    actorName: 'alice',
    actorUrn: 'urn:stackyard:user:alice',
    ...overrides,
  };
}

/**
 * Every stored audit event also goes to a real rsyslog over TLS (RFC 5424 messages, RFC 5425
 * octet-counted framing), from a bounded queue that rides out the server going away.
 */
void describe('audit events streamed to syslog over TLS (rsyslog)', () => {
  let dir: string;
  let pki: EmbeddedPki;
  let rsyslog: RsyslogPeer;
  let running: RunningIdentity;
  let api: InternalClient;
  let env: Record<string, string>;

  const ingest = (events: AuditEventInput[]) => api.post<AuditEventsIngestResponse>(IDENTITY_AUDIT_EVENTS_PATH, { events });
  const ours = () => rsyslog.messages().filter((m) => m['app-name'] === 'stackyard-identity');

  before(async () => {
    dir = tempDir('stackyard-audit-syslog-it');
    [pki, rsyslog] = await Promise.all([ensureEmbeddedPki(join(dir, 'pki'), []), startRsyslog()]);
    env = {
      STACKYARD_DATABASE_URL: `sqlite:${join(dir, 'identity.db')}`,
      STACKYARD_PORT: '0',
      STACKYARD_TLS_CERT_FILE: pki.services.identity.certFile,
      STACKYARD_TLS_KEY_FILE: pki.services.identity.keyFile,
      STACKYARD_INTERNAL_CA_FILE: pki.caFile,
      STACKYARD_BOOTSTRAP_ADMIN_TOKEN: generateAccessToken(),
      STACKYARD_LOG_FORMAT: 'json',
      STACKYARD_AUDIT_SYSLOG_URL: rsyslog.url,
      STACKYARD_AUDIT_SYSLOG_CA_FILE: rsyslog.caFile,
    };
    running = await startIdentity(loadIdentityConfig(env));
    const { certFile, keyFile } = pki.services.api;
    api = new InternalClient({ baseUrl: running.url, expectService: 'identity', caFile: pki.caFile, certFile, keyFile, timeoutMs: 10_000 });
  });

  after(async () => {
    api?.close();
    await running?.close();
    await rsyslog?.stop();
  });

  void it('sends each stored event as one RFC 5424 message with the link in structured data', async () => {
    const { lastSequence } = await ingest([
      event('first'),
      // A line break inside a message: only octet counting keeps it one message.
      event('second, with "quotes", a ] bracket\nand a second line', { event: 'user_login_failed', authFailure: true, user: null, actorName: 'anonymous', actorUrn: 'urn:stackyard:anonymous' }),
    ]);
    const received = await rsyslog.waitForMessages(2);
    const [first, second] = received.filter((m) => m['app-name'] === 'stackyard-identity').slice(-2);
    assert.ok(first && second, JSON.stringify(received));
    assert.equal(first.pri, '109', 'facility 13 (log audit), severity notice');
    assert.equal(first.syslogfacility, '13');
    assert.equal(first['protocol-version'], '1');
    assert.equal(first.msgid, 'stack_created');
    assert.equal(first.timereported, '2027-01-15T08:00:00.250Z');
    assert.equal(first.procid, String(process.pid));
    assert.equal(first.msg, '\uFEFFfirst');
    const sequence = lastSequence - 1;
    const [stored] = await running.dataSource.query<Array<{ hash: string; prev_hash: string }>>('SELECT hash, prev_hash FROM audit_log WHERE sequence = ?', [sequence]);
    assert.equal(
      first['structured-data'],
      `[stackyard-audit@32473 sequence="${sequence}" hash="${stored.hash}" prevHash="${stored.prev_hash}" organization="stackyard" event="stack_created" sourceIP="203.0.113.7" user="alice" actorName="alice" actorUrn="urn:stackyard:user:alice" reqOrgAdmin="false" reqStackAdmin="false" authFailure="false"]`,
    );
    assert.equal(second.pri, '108', 'a refused request is a warning');
    assert.equal(second.msgid, 'user_login_failed');
    assert.equal(second.msg, '\uFEFFsecond, with "quotes", a ] bracket\nand a second line');
    assert.match(second['structured-data'], / authFailure="true"\]$/);
  });

  void it('keeps events while the syslog server is away and delivers them when it is back, without delaying requests', async () => {
    const before = ours().length;
    await rsyslog.pause();
    const started = Date.now();
    await ingest([event('while away 1'), event('while away 2')]);
    await ingest([event('while away 3')]);
    assert.ok(Date.now() - started < 5_000, 'storing does not wait for syslog');
    await rsyslog.resume();
    await rsyslog.waitForMessages(before + 3, 60_000);
    assert.deepEqual(
      ours()
        .slice(before)
        .map((m) => m.msg),
      ['\uFEFFwhile away 1', '\uFEFFwhile away 2', '\uFEFFwhile away 3'],
    );
  });

  void it('refuses a syslog URL that is not tls://host:port at start', () => {
    assert.throws(() => loadIdentityConfig({ ...env, STACKYARD_AUDIT_SYSLOG_URL: 'udp://127.0.0.1:514' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /STACKYARD_AUDIT_SYSLOG_URL must use the tls: scheme/);
      return true;
    });
  });
});
