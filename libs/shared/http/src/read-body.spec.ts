import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@stackyard/shared-errors';
import { jsonNestingDepth, MAX_JSON_DEPTH, parseJsonBody } from './read-body';

const nested = (levels: number): Buffer => Buffer.from('['.repeat(levels) + ']'.repeat(levels));

function refusal(body: Buffer): ApiError {
  try {
    parseJsonBody(body);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error;
  }
  assert.fail('the body was accepted');
}

void describe('parseJsonBody', () => {
  void it('accepts nesting up to the limit and refuses one level more with a 400', () => {
    assert.equal(jsonNestingDepth(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
    assert.ok(Array.isArray(parseJsonBody(nested(MAX_JSON_DEPTH))));
    const error = refusal(nested(MAX_JSON_DEPTH + 1));
    assert.equal(error.status, 400);
    assert.match(error.message, /nests deeper than 512 levels/);
  });

  void it('does not count brackets inside strings, however many', () => {
    const body = Buffer.from(JSON.stringify({ values: ['['.repeat(5_000), '{'.repeat(5_000), '\\"[['] }));
    assert.equal(jsonNestingDepth(body), 2);
    assert.deepEqual((parseJsonBody(body) as { values: string[] }).values[0], '['.repeat(5_000));
  });

  void it('finds deep nesting after many brackets in strings', () => {
    const body = Buffer.from(`{"a":"${'['.repeat(600)}","b":${nested(MAX_JSON_DEPTH + 1).toString()}}`);
    assert.equal(refusal(body).status, 400);
  });

  void it('answers 400 for malformed JSON and nothing for an empty body', () => {
    assert.equal(parseJsonBody(Buffer.alloc(0)), undefined);
    assert.match(refusal(Buffer.from('{"a":')).message, /not valid JSON/);
  });
});
