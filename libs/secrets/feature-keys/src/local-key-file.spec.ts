import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalKeyFileError, loadLocalKeyFile } from './local-key-file';

void describe('loadLocalKeyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-kek-spec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('generates a 256-bit key as hex, owner-only, when allowed and missing', () => {
    const path = join(dir, 'gen', 'kek');
    const sut = loadLocalKeyFile(path, { generate: true });
    assert.equal(sut.generated, true);
    assert.equal(sut.key.length, 32);
    assert.equal(readFileSync(path, 'utf8'), `${sut.key.toString('hex')}\n`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(sut.warnings, []);
  });

  void it('keeps an existing key: a second load (another replica) gets the same key and generates nothing', () => {
    const path = join(dir, 'twice');
    const first = loadLocalKeyFile(path, { generate: true });
    const second = loadLocalKeyFile(path, { generate: true });
    assert.equal(second.generated, false);
    assert.deepEqual(second.key, first.key);
  });

  void it('refuses a missing file unless generation is allowed, saying how to fix it', () => {
    assert.throws(() => loadLocalKeyFile(join(dir, 'absent'), { generate: false }), (e: unknown) => e instanceof LocalKeyFileError && /STACKYARD_GENERATE_LOCAL_KEY=true/.test(e.message));
  });

  void it('reads the single key file of a directory (a PULUMI_LOCAL_KEYS folder or a Secret volume)', () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const key = randomBytes(32);
    writeFileSync(join(folder, 'encryption-key'), key, { mode: 0o600 });
    writeFileSync(join(folder, '..data'), 'kubernetes bookkeeping');
    assert.deepEqual(loadLocalKeyFile(folder, { generate: false }).key, key);
    writeFileSync(join(folder, 'second'), key);
    assert.throws(() => loadLocalKeyFile(folder, { generate: false }), /2 candidate key files/);
  });

  void it('warns about a key file others can read, and rejects content that is not a key', () => {
    const loose = join(dir, 'loose');
    writeFileSync(loose, randomBytes(32).toString('hex'), { mode: 0o644 });
    assert.match(loadLocalKeyFile(loose, { generate: false }).warnings.join(), /chmod 600/);
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'not a key', { mode: 0o600 });
    assert.throws(() => loadLocalKeyFile(bad, { generate: false }), (e: unknown) => e instanceof LocalKeyFileError && !e.message.includes('not a key'));
  });
});
