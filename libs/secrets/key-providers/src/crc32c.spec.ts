import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from './crc32c';

void describe('crc32c', () => {
  void it('matches the RFC 3720 check value and the empty input', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
  });
});
