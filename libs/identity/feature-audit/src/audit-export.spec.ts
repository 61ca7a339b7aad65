import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_GENESIS_HASH, chainAuditRecords, normalizeAuditEvent } from '@stackyard/identity-domain';
import { auditCef, auditCsv, cefExtensionValue, cefHeaderField, cefLine, csvField } from './audit-export';

const [record] = chainAuditRecords(0, AUDIT_GENESIS_HASH, [
  normalizeAuditEvent({
    timestamp: 1_800_000_000_500,
    organization: 'acme',
    event: 'stack_deleted',
    description: 'a|b\\c=d\ne',
    sourceIp: '2001:db8::1',
    user: 'alice',
    actorName: 'alice',
    actorUrn: 'urn:stackyard:user:alice',
    authFailure: true,
  }),
]);

void describe('CSV export (RFC 4180)', () => {
  void it('quotes fields holding commas, quotes or line breaks, doubling quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  });

  void it('defuses values a spreadsheet would run as formulas', () => {
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  });

  void it('writes a header and CRLF-terminated rows', () => {
    assert.equal(
      auditCsv([record]),
      'timestamp,sourceIP,event,description,user,tokenID,tokenName,reqOrgAdmin,reqStackAdmin,authFailure,actorName,actorUrn\r\n' +
        '1800000000,2001:db8::1,stack_deleted,"a|b\\c=d\ne",alice,,,false,false,true,alice,urn:stackyard:user:alice\r\n',
    );
  });
});

void describe('CEF export', () => {
  void it('escapes backslash and pipe in header fields, and folds line breaks', () => {
    assert.equal(cefHeaderField('a|b\\c\r\nd'), 'a\\|b\\\\c d');
  });

  void it('escapes backslash and equals in extension values, and writes line breaks as \\n / \\r', () => {
    assert.equal(cefExtensionValue('a=b\\c\nd\re|f'), 'a\\=b\\\\c\\nd\\re|f');
  });

  void it('writes one line per event with CEF keys and labelled custom strings', () => {
    assert.equal(
      cefLine(record, '1.2.3'),
      'CEF:0|Stackyard|Stackyard|1.2.3|stack_deleted|a\\|b\\\\c=d e|7|rt=1800000000500 externalId=1 act=stack_deleted src=2001:db8::1 suser=alice outcome=failure cs1Label=organization cs1=acme cs2Label=actorName cs2=alice cs3Label=actorUrn cs3=urn:stackyard:user:alice',
    );
    assert.equal(auditCef([record, record], '1').split('\n').length, 3);
  });

  void it('leaves out a source that is not an IP address', () => {
    assert.doesNotMatch(cefLine({ ...record, sourceIp: '' }, '1'), / src=/);
  });
});
