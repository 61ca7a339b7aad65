import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_GENESIS_HASH, chainAuditRecords, normalizeAuditEvent } from '@stackyard/identity-domain';
import { octetCounted, sdParamValue, syslogMessage } from './syslog-message';
import { parseSyslogUrl } from './syslog-forwarder';

const [record] = chainAuditRecords(0, AUDIT_GENESIS_HASH, [
  normalizeAuditEvent({
    timestamp: Date.UTC(2027, 0, 15, 8, 0, 0, 250),
    organization: 'acme',
    event: 'user_login_failed',
    description: 'sign-in of "bob" refused: wrong password [ldap]',
    sourceIp: '203.0.113.7',
    user: 'bob',
    actorName: 'bob',
    actorUrn: 'urn:stackyard:user:bob',
    authFailure: true,
  }),
]);

void describe('RFC 5424 audit messages', () => {
  void it('escapes quote, backslash and closing bracket in SD-PARAM values', () => {
    assert.equal(sdParamValue('a"b\\c]d'), 'a\\"b\\\\c\\]d');
  });

  void it('carries facility log-audit, the event as MSGID, the link as structured data and the description as UTF-8', () => {
    const message = syslogMessage(record, { hostname: 'id-1', appName: 'stackyard-identity', procId: '42' });
    assert.equal(
      message,
      `<108>1 2027-01-15T08:00:00.250Z id-1 stackyard-identity 42 user_login_failed [stackyard-audit@32473 sequence="1" hash="${record.hash}" prevHash="${AUDIT_GENESIS_HASH}" organization="acme" event="user_login_failed" sourceIP="203.0.113.7" user="bob" actorName="bob" actorUrn="urn:stackyard:user:bob" reqOrgAdmin="false" reqStackAdmin="false" authFailure="true"] \uFEFFsign-in of "bob" refused: wrong password [ldap]`,
    );
    const notice = syslogMessage({ ...record, authFailure: false }, { hostname: 'host with spaces', appName: 'a', procId: '' });
    assert.match(notice, /^<109>1 \S+ hostwithspaces a - user_login_failed /);
  });

  void it('frames with the byte length, not the character count (RFC 5425 octet counting)', () => {
    assert.equal(octetCounted('héllo').toString('utf8'), '6 héllo');
  });

  void it('accepts only tls://host:port targets', () => {
    assert.deepEqual(parseSyslogUrl('tls://127.0.0.1:6514'), { host: '127.0.0.1', port: 6514 });
    assert.deepEqual(parseSyslogUrl('tls://[::1]:6514'), { host: '::1', port: 6514 });
    assert.match(parseSyslogUrl('udp://127.0.0.1:514') as string, /tls: scheme/);
    assert.match(parseSyslogUrl('tls://syslog.internal') as string, /host and a port/);
    assert.match(parseSyslogUrl('not a url') as string, /must be a URL/);
  });
});
