import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ACCESS_TOKEN_PATTERN, ensureAdminToken, generateAccessToken } from './admin-token';

describe('ensureAdminToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-admin-token-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates pul- + 40 hex tokens that differ per call', () => {
    const a = generateAccessToken();
    const b = generateAccessToken();
    assert.match(a, ACCESS_TOKEN_PATTERN);
    assert.match(b, ACCESS_TOKEN_PATTERN);
    assert.notEqual(a, b);
  });

  it('writes a new token once, owner-only, and keeps it on the next start', () => {
    const file = join(dir, 'new-data-dir', 'admin-token');
    const first = ensureAdminToken(file);
    assert.equal(first.created, true);
    assert.match(first.token, ACCESS_TOKEN_PATTERN);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first.token);
    const second = ensureAdminToken(file);
    assert.deepEqual(second, { token: first.token, created: false });
  });

  it('uses a preset token (tests) and refuses an empty file', () => {
    const file = join(dir, 'preset-token');
    assert.deepEqual(ensureAdminToken(file, 'pul-preset'), { token: 'pul-preset', created: true });
    assert.equal(ensureAdminToken(file).token, 'pul-preset');
    writeFileSync(file, '\n');
    assert.throws(() => ensureAdminToken(file), /is empty/);
    assert.throws(() => ensureAdminToken(file, ' '), /must not be empty/);
  });
});
