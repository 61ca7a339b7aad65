import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { isStandardBase64 } from './base64';

/** The reference: the regular expression this function replaces on the hot path. */
const REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

void describe('isStandardBase64', () => {
  void it('accepts what Buffer encodes, of every length', () => {
    for (let n = 0; n < 200; n++) assert.ok(isStandardBase64(randomBytes(n).toString('base64')), `length ${n}`);
  });

  void it('refuses unpadded, URL-safe, misplaced padding and foreign characters', () => {
    for (const bad of ['aGk', 'aGk=a', '_-8=', 'a-b_', '====', 'a===', 'ab=c', 'abc=====', 'aGk=\n', ' aGk=', 'aGk==', 'ä===']) {
      assert.equal(isStandardBase64(bad), false, JSON.stringify(bad));
    }
  });

  void it('agrees with the reference expression on random strings over the alphabet and neighbours', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ';
    for (let i = 0; i < 20_000; i++) {
      const length = i % 13;
      let s = '';
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      assert.equal(isStandardBase64(s), REFERENCE.test(s), JSON.stringify(s));
    }
  });
});
