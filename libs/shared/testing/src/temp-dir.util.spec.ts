import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { removeTempDir, tempBase, tempDir } from './temp-dir.util';

void describe(tempDir.name, () => {
  void it('creates distinct private directories and removes them on request', () => {
    const a = tempDir('stackyard-unit');
    const b = tempDir('stackyard-unit-');
    assert.notEqual(a, b);
    assert.match(basename(a), /^stackyard-unit-.{6}$/);
    assert.equal(statSync(a).mode & 0o777, 0o700);
    removeTempDir(a);
    removeTempDir(b);
    assert.equal(existsSync(a), false);
  });

  void it('prefers RAM-backed /dev/shm only when asked and available', () => {
    const memory = tempBase({ memory: true });
    assert.ok(memory === '/dev/shm' || memory === tempBase(), memory);
    assert.notEqual(tempBase(), '/dev/shm');
  });
});
