import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidationResult } from '../untyped-deployment.util';
import { validateDeltaCheckpointRequest, validateVerbatimCheckpointRequest } from './checkpoint-requests.util';

function ok<T>(result: ValidationResult<T>): T {
  if (!result.ok) assert.fail(`expected valid, got: ${result.error}`);
  return result.info;
}

function error<T>(result: ValidationResult<T>): string {
  if (result.ok) assert.fail('expected a validation error');
  return result.error;
}

// The CLI's layout: compact, Go's HTML escaping, its own key order and number spellings.
const STATE =
  '{"version":3,"deployment":{"manifest":{"time":"2026-11-26T10:00:00.123456789Z","magic":"x","version":"v3.274.1"},' +
  '"metadata":{},"resources":[{"urn":"urn:pulumi:dev::p::t::a","custom":true,"outputs":{"html":"\\u003cb\\u003e \\u0026","n":1.50,"e":1e3,"ü":"✓"}}]}}';

void describe('validateVerbatimCheckpointRequest', () => {
  void it('extracts the exact bytes of untypedDeployment', () => {
    const body = Buffer.from(`{"version":3,"untypedDeployment":${STATE},"sequenceNumber":7}`, 'utf8');
    const req = ok(validateVerbatimCheckpointRequest(body));
    assert.equal(req.sequenceNumber, 7);
    assert.equal(req.version, 3);
    assert.ok(req.text.equals(Buffer.from(STATE, 'utf8')), 'byte-identical, escapes and number spellings kept');
    assert.equal(req.text.buffer, body.buffer, 'a view of the request body, not a copy');
    assert.equal(req.info.resourceCount, 1);
    assert.equal(req.info.version, 3);
  });

  void it('accepts whitespace and any member order around the deployment', () => {
    const body = Buffer.from(`{ "sequenceNumber" : 1 , "untypedDeployment" : ${STATE} , "version" : 3 }`, 'utf8');
    assert.ok(ok(validateVerbatimCheckpointRequest(body)).text.equals(Buffer.from(STATE)));
  });

  void it('refuses bodies the CLI could not read back', () => {
    const v = (s: string) => error(validateVerbatimCheckpointRequest(Buffer.from(s)));
    assert.match(v('{"version":3,"sequenceNumber":1}'), /'untypedDeployment' is required/);
    assert.match(v(`{"version":3,"untypedDeployment":${STATE}}`), /'sequenceNumber'/);
    assert.match(v(`{"version":3,"untypedDeployment":${STATE},"sequenceNumber":0}`), /'sequenceNumber'/);
    assert.match(v(`{"version":3,"untypedDeployment":${STATE},"sequenceNumber":1.5}`), /'sequenceNumber'/);
    assert.match(v('{"version":3,"untypedDeployment":"text","sequenceNumber":1}'), /must be a JSON object/);
    assert.match(v('{"version":3,"untypedDeployment":{"version":9,"deployment":{"manifest":{}}},"sequenceNumber":1}'), /'version' must be an integer from 1 to 4/);
    assert.match(v('{"version":3,"untypedDeployment":{"version":3},"sequenceNumber":1}'), /'deployment' is required/);
    assert.match(v('[1]'), /must be a JSON object/);
    assert.match(v('{"version":3,'), /not valid JSON/);
  });
});

void describe('validateDeltaCheckpointRequest', () => {
  const hash = 'ab'.repeat(32);
  // What hexops/gotextdiff TextEdits marshal to: capitalised keys, line/column we ignore.
  const cliEdit = (start: number, end: number, text: string) =>
    ({ Span: { uri: '', start: { line: 1, column: 1, offset: start }, end: { line: 1, column: 1, offset: end } }, NewText: text });

  void it('reads the CLI edits with byte offsets and UTF-8 new text', () => {
    const body = JSON.stringify({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: [cliEdit(10, 20, 'ü<&'), cliEdit(0, 0, '')] });
    const req = ok(validateDeltaCheckpointRequest(Buffer.from(body)));
    assert.equal(req.sequenceNumber, 2);
    assert.equal(req.checkpointHash, hash);
    assert.equal(req.edits.length, 2);
    assert.deepEqual({ start: req.edits[0].start, end: req.edits[0].end }, { start: 10, end: 20 });
    assert.ok(req.edits[0].newText.equals(Buffer.from('ü<&', 'utf8')));
    assert.equal(req.edits[1].newText.length, 0);
  });

  void it('takes an empty or missing delta as no edits and normalises the hash to lowercase', () => {
    assert.deepEqual(ok(validateDeltaCheckpointRequest(Buffer.from(`{"version":3,"checkpointHash":"${hash}","sequenceNumber":3,"deploymentDelta":[]}`))).edits, []);
    const upper = ok(validateDeltaCheckpointRequest(Buffer.from(`{"version":3,"checkpointHash":"${hash.toUpperCase()}","sequenceNumber":3}`)));
    assert.equal(upper.checkpointHash, hash);
  });

  void it('refuses malformed deltas', () => {
    const v = (o: unknown) => error(validateDeltaCheckpointRequest(Buffer.from(JSON.stringify(o))));
    assert.match(v({ version: 3, sequenceNumber: 2, deploymentDelta: [] }), /'checkpointHash'/);
    assert.match(v({ version: 3, checkpointHash: 'xyz', sequenceNumber: 2, deploymentDelta: [] }), /'checkpointHash'/);
    assert.match(v({ version: 3, checkpointHash: hash, deploymentDelta: [] }), /'sequenceNumber'/);
    assert.match(v({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: {} }), /'deploymentDelta' must be an array/);
    assert.match(v({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: [{ NewText: 'x' }] }), /Span/);
    assert.match(v({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: [cliEdit(-1, 2, 'x')] }), /offset/);
    assert.match(v({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: [cliEdit(5, 2, 'x')] }), /ends before it starts/);
    assert.match(v({ version: 3, checkpointHash: hash, sequenceNumber: 2, deploymentDelta: [{ ...cliEdit(0, 1, ''), NewText: 5 }] }), /NewText/);
  });
});
