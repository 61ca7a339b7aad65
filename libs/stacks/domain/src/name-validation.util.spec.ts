import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_TAG_COUNT,
  validateOrgName,
  validateProjectName,
  validateStackName,
  validateTagName,
  validateTagValue,
  validateTags,
} from './name-validation.util';

function table(validate: (s: string) => string | undefined, valid: string[], invalid: Array<[string, RegExp]>): void {
  for (const name of valid) {
    void it(`accepts ${JSON.stringify(name.length > 50 ? `${name.slice(0, 20)}…(${name.length})` : name)}`, () => assert.equal(validate(name), undefined));
  }
  for (const [name, problem] of invalid) {
    void it(`rejects ${JSON.stringify(name.length > 50 ? `${name.slice(0, 20)}…(${name.length})` : name)}`, () => {
      const result = validate(name);
      assert.ok(result !== undefined, 'expected a problem');
      assert.match(result, problem);
    });
  }
}

void describe('validateOrgName', () => {
  table(
    validateOrgName,
    ['abc', 'acme', 'Acme-Corp_2', 'a-b', 'a_b', '0rg', 'a'.repeat(40)],
    [
      ['', /may not be empty/],
      ['ab', /at least 3/],
      ['a'.repeat(41), /cannot exceed 40/],
      ['-abc', /must start and end with an alphanumeric/],
      ['abc_', /must start and end/],
      ['a.b.c', /may only contain alphanumerics, hyphens and underscores/],
      ['a b', /may only contain/],
      ['äbc', /may only contain/],
    ],
  );
});

void describe('validateProjectName', () => {
  table(
    validateProjectName,
    ['web', 'my-app', 'my_app', 'my.app', '.', '-', '_x', 'A1', 'x'.repeat(100)],
    [
      ['', /may not be empty/],
      ['x'.repeat(101), /cannot exceed 100 characters/],
      ['my app', /invalid character " " at position 2/],
      ['my/app', /invalid character "\/" at position 2/],
      ['app:1', /invalid character ":"/],
      ['zoë', /invalid character "ë" at position 2/],
      ['😀x', /invalid character "😀" at position 0/],
      // 60 × 'é' is 120 bytes: the length check counts bytes, like Go's len().
      ['é'.repeat(60), /cannot exceed 100/],
    ],
  );
});

void describe('validateStackName', () => {
  table(
    validateStackName,
    ['dev', 'prod-eu.1', 'feature_x', 'UPPER', '...', 's'.repeat(100)],
    [
      ['', /a stack name may not be empty/],
      ['s'.repeat(101), /a stack name cannot exceed 100 characters/],
      ['x y', /a stack name may only contain alphanumerics, hyphens, underscores, or periods: invalid character " " at position 1/],
      ['org/dev', /invalid character "\/" at position 3/],
      ['a\nb', /invalid character "\\n" at position 1/],
    ],
  );

  void it('produces a message that reads well after the caller prefix', () => {
    assert.equal(
      `Stack name 'x y' is invalid: ${validateStackName('x y')}`,
      `Stack name 'x y' is invalid: a stack name may only contain alphanumerics, hyphens, underscores, or periods: invalid character " " at position 1`,
    );
  });
});

void describe('validateTagName', () => {
  table(
    validateTagName,
    ['pulumi:project', 'vcs:owner', 'a', 'a.b-c_d:e', 'x'.repeat(40)],
    [
      ['', /may not be empty/],
      ['x'.repeat(41), /cannot exceed 40/],
      ['has space', /may only contain alphanumerics, hyphens, underscores, periods, or colons/],
      ['a/b', /may only contain/],
    ],
  );
});

void describe('validateTagValue', () => {
  table(validateTagValue, ['', 'anything goes: / \n ☃', 'v'.repeat(256), '€'.repeat(85)], [
    ['v'.repeat(257), /cannot exceed 256 bytes/],
    ['€'.repeat(86), /cannot exceed 256 bytes/],
  ]);
});

void describe('validateTags', () => {
  void it('accepts the tags the CLI sends', () => {
    assert.equal(
      validateTags({ 'pulumi:project': 'web', 'pulumi:runtime': 'nodejs', 'pulumi:description': 'A site', 'vcs:owner': 'acme', 'vcs:repo': 'web', 'vcs:kind': 'github.com' }),
      undefined,
    );
    assert.equal(validateTags({}), undefined);
  });

  void it(`accepts ${MAX_TAG_COUNT} tags and rejects more`, () => {
    const tags = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v']));
    assert.equal(validateTags(tags(MAX_TAG_COUNT)), undefined);
    assert.equal(validateTags(tags(MAX_TAG_COUNT + 1)), `a stack may have at most ${MAX_TAG_COUNT} tags (got ${MAX_TAG_COUNT + 1})`);
  });

  void it('names the offending tag', () => {
    assert.equal(validateTags({ ok: 'v', 'bad name': 'v' }), "tag name 'bad name' is invalid: a tag name may only contain alphanumerics, hyphens, underscores, periods, or colons");
    assert.equal(validateTags({ k: 'v'.repeat(300) }), "tag 'k' is invalid: a tag value cannot exceed 256 bytes");
    assert.equal(validateTags({ k: 1 }), "tag 'k' must have a string value");
    assert.equal(validateTags({ k: null }), "tag 'k' must have a string value");
    assert.match(validateTags({ [`it's\n${'x'.repeat(100)}`]: 'v' }) ?? '', /^tag name 'it's\\nx+…' is invalid/);
  });

  void it('rejects bodies that are not an object', () => {
    for (const body of [null, [], 'tags', 3, undefined]) assert.equal(validateTags(body), 'tags must be a JSON object mapping names to string values');
  });
});
