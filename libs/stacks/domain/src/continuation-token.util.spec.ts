import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ContinuationTokenPayload,
  MAX_CONTINUATION_TOKEN_LENGTH,
  decodeContinuationToken,
  encodeContinuationToken,
} from './continuation-token.util';

void describe('continuation tokens', () => {
  void it('round-trips payloads, including non-ASCII and nested values', () => {
    for (const payload of [{}, { after: 'acme/web/dev', id: 42 }, { k: ['é', '☃', '😀', null, true, 1.5, { n: -1 }] }] as ContinuationTokenPayload[]) {
      const token = encodeContinuationToken(payload);
      assert.match(token, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping');
      assert.equal(encodeURIComponent(token), token);
      assert.deepEqual(decodeContinuationToken(token), payload);
    }
  });

  void it('returns undefined for garbage', () => {
    const valid = encodeContinuationToken({ a: 1 });
    const garbage = [
      '',
      '!!!',
      'abc def',
      `${valid}=`, // padding is not part of base64url
      valid.replace(/-|_/g, '+') + '+/', // standard-alphabet characters
      Buffer.from('{"a":1}').toString('base64'),
      'a', // a single base64 char cannot encode a byte
      Buffer.from('not json').toString('base64url'),
      Buffer.from('{"a":').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('"string"').toString('base64url'),
      Buffer.from('12').toString('base64url'),
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url'), // {"a":"\xff"}
      'x'.repeat(MAX_CONTINUATION_TOKEN_LENGTH + 1),
    ];
    for (const token of garbage) assert.equal(decodeContinuationToken(token), undefined, JSON.stringify(token));
  });

  void it('rejects non-canonical spellings of a valid token', () => {
    const token = Buffer.from('{"a":1}').toString('base64url'); // 7 bytes → 10 chars, 2 spare bits
    assert.deepEqual(decodeContinuationToken(token), { a: 1 });
    const last = token[token.length - 1];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(token, 'base64url'), 'Node decodes both the same');
    assert.equal(decodeContinuationToken(twin), undefined);
  });

  void it('applies a shape check', () => {
    const isCursor = (p: ContinuationTokenPayload): p is { after: string } => typeof p['after'] === 'string';
    assert.deepEqual(decodeContinuationToken(encodeContinuationToken({ after: 'x' }), isCursor), { after: 'x' });
    assert.equal(decodeContinuationToken(encodeContinuationToken({ after: 1 }), isCursor), undefined);
  });

  void it('refuses to mint a token that decode would reject', () => {
    assert.throws(() => encodeContinuationToken({ big: 'x'.repeat(MAX_CONTINUATION_TOKEN_LENGTH) }), RangeError);
  });
});
