import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUrn, parseUrn } from './urn.util';

void describe('parseUrn', () => {
  void it('splits at the first three delimiters; the name keeps any further ones', () => {
    assert.deepEqual(parseUrn('urn:pulumi:dev::web::my:app:Site$aws:s3/bucket:Bucket::a::b:c'), {
      stack: 'dev',
      project: 'web',
      qualifiedType: 'my:app:Site$aws:s3/bucket:Bucket',
      name: 'a::b:c',
    });
    assert.deepEqual(parseUrn('urn:pulumi:s::p::t::'), { stack: 's', project: 'p', qualifiedType: 't', name: '' });
    // Delimiters are found left to right without overlap, as Go's getComponent does.
    assert.deepEqual(parseUrn('urn:pulumi:s::p:::t::n'), { stack: 's', project: 'p', qualifiedType: ':t', name: 'n' });
  });

  void it('rejects strings that are not URNs', () => {
    for (const s of ['', 'urn:pulumi:', 'urn:pulumi:s::p::t', 'urn:other:s::p::t::n', 'URN:PULUMI:s::p::t::n', ' urn:pulumi:s::p::t::n']) {
      assert.equal(parseUrn(s), undefined, s);
    }
  });

  void it('round-trips through formatUrn', () => {
    for (const s of ['urn:pulumi:dev::web::pulumi:pulumi:Stack::web-dev', 'urn:pulumi:s::p::a$b::n::m']) {
      const parsed = parseUrn(s);
      assert.ok(parsed);
      assert.equal(formatUrn(parsed), s);
    }
  });
});
