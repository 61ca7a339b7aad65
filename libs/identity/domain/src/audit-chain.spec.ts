import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuditEventInput } from '@stackyard/shared-contracts';
import { AUDIT_GENESIS_HASH, AuditChainVerifier, auditEventProblem, auditRecordHash, canonicalAuditRecord, chainAuditRecords, normalizeAuditEvent } from './audit-chain';

const input: AuditEventInput = {
  timestamp: 1_800_000_000_123,
  organization: 'acme',
  event: 'stack_created',
  description: "stack 'acme/web/dev' created",
  sourceIp: '203.0.113.7',
  user: 'alice',
  tokenId: 'tok-1',
  tokenName: 'laptop',
  actorName: 'alice',
  actorUrn: 'urn:stackyard:user:alice',
  reqStackAdmin: true,
};

void describe('audit chain hashing', () => {
  void it('serializes a link as one fixed-order JSON array, absent optionals as null / false', () => {
    const fields = normalizeAuditEvent(input);
    assert.equal(
      canonicalAuditRecord(7, 'a'.repeat(64), fields),
      `["stackyard-audit/1",7,"${'a'.repeat(64)}",1800000000123,"acme","stack_created","stack 'acme/web/dev' created","203.0.113.7","alice","tok-1","laptop","alice","urn:stackyard:user:alice",false,true,false,null]`,
    );
    assert.equal(auditRecordHash(7, 'a'.repeat(64), fields), createHash('sha256').update(canonicalAuditRecord(7, 'a'.repeat(64), fields)).digest('hex'));
  });

  void it('hashes the same event the same way whatever the key order or the spelling of absence', () => {
    const reordered = Object.fromEntries(Object.entries(input).reverse()) as unknown as AuditEventInput;
    const spelledOut: AuditEventInput = { ...input, reqOrgAdmin: false, authFailure: false, requestId: '' };
    const a = auditRecordHash(1, AUDIT_GENESIS_HASH, normalizeAuditEvent(input));
    assert.equal(auditRecordHash(1, AUDIT_GENESIS_HASH, normalizeAuditEvent(reordered)), a);
    assert.equal(auditRecordHash(1, AUDIT_GENESIS_HASH, normalizeAuditEvent(spelledOut)), a);
    // …and differently for any change of content, position or predecessor.
    assert.notEqual(auditRecordHash(1, AUDIT_GENESIS_HASH, normalizeAuditEvent({ ...input, description: `${input.description} ` })), a);
    assert.notEqual(auditRecordHash(2, AUDIT_GENESIS_HASH, normalizeAuditEvent(input)), a);
    assert.notEqual(auditRecordHash(1, 'f'.repeat(64), normalizeAuditEvent(input)), a);
  });

  void it('stores text as the database returns it: cut to the column, no lone surrogates, no split pairs', () => {
    const long = normalizeAuditEvent({ ...input, description: `${'x'.repeat(1999)}😀tail`, actorName: 'bad \uD800 surrogate' });
    assert.equal(long.description, 'x'.repeat(1999), 'the pair that would straddle the limit is left out whole');
    assert.equal(long.actorName, 'bad \uFFFD surrogate');
  });

  void it('links records onto a chain from its head', () => {
    const records = chainAuditRecords(0, AUDIT_GENESIS_HASH, [normalizeAuditEvent(input), normalizeAuditEvent({ ...input, event: 'stack_deleted' })]);
    assert.deepEqual(
      records.map((r) => [r.sequence, r.prevHash]),
      [
        [1, AUDIT_GENESIS_HASH],
        [2, records[0].hash],
      ],
    );
  });

  void it('says what is wrong with an ingested event', () => {
    assert.equal(auditEventProblem(input), null);
    assert.equal(auditEventProblem([]), 'must be an object');
    assert.match(auditEventProblem({ ...input, event: 'Stack-Created' }) ?? '', /'event' must be a snake_case name/);
    assert.match(auditEventProblem({ ...input, timestamp: 1.5 }) ?? '', /'timestamp'/);
    assert.match(auditEventProblem({ ...input, organization: 3 }) ?? '', /'organization' must be a string or null/);
    assert.match(auditEventProblem({ ...input, authFailure: 'yes' }) ?? '', /'authFailure' must be a boolean/);
  });
});

void describe(AuditChainVerifier.name, () => {
  const chain = () => chainAuditRecords(0, AUDIT_GENESIS_HASH, [1, 2, 3, 4, 5].map((n) => normalizeAuditEvent({ ...input, description: `event ${n}` })));
  const run = (records: ReturnType<typeof chain>, head = { lastSequence: 5, lastHash: chain()[4].hash }) => {
    const verifier = new AuditChainVerifier();
    for (const r of records) {
      const broken = verifier.check(r);
      if (broken) return broken;
    }
    return verifier.finish(head);
  };

  void it('accepts an intact chain', () => {
    assert.equal(run(chain()), null);
  });

  void it('names an edited link', () => {
    const records = chain();
    records[2] = { ...records[2], description: 'edited' };
    assert.deepEqual(run(records), { sequence: 3, kind: 'edited', message: "sequence 3: the stored hash does not match the row's content (the row was edited or moved)" });
  });

  void it('names a deleted link, one or several', () => {
    assert.deepEqual(run(chain().filter((r) => r.sequence !== 2)), { sequence: 2, kind: 'missing', message: 'sequence 2 is missing: the row after sequence 1 is sequence 3 (a row was deleted)' });
    assert.equal(run(chain().filter((r) => r.sequence !== 2 && r.sequence !== 3))?.message, 'sequence 2–3 is missing: the row after sequence 1 is sequence 4 (a row was deleted)');
    assert.equal(run(chain().filter((r) => r.sequence !== 1))?.sequence, 1);
    assert.equal(run(chain().slice(0, 4))?.kind, 'truncated');
  });

  void it('names a link moved to another position or re-hashed onto the wrong predecessor', () => {
    const records = chain();
    const [three, four] = [records[2], records[3]];
    records[2] = { ...four, sequence: 3 };
    records[3] = { ...three, sequence: 4 };
    assert.equal(run(records)?.sequence, 3);
    assert.equal(run(records)?.kind, 'edited');
    // Someone who recomputes the hash of a forged row still cannot make it follow its predecessor.
    const forged = chain();
    const fields = { ...forged[1], description: 'forged' };
    forged[1] = { ...fields, prevHash: 'f'.repeat(64), hash: auditRecordHash(2, 'f'.repeat(64), fields) };
    assert.equal(run(forged)?.kind, 'relinked');
  });
});
