import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loginPath, safeNextPath } from './next-path';

void describe(safeNextPath.name, () => {
  void it('keeps paths on this origin, with their query and fragment', () => {
    for (const path of ['/', '/stacks', '/cli-login?cliSessionPort=1234&cliSessionNonce=abc', '/a/b?c=d#e', '/%2F%2Fevil.example', '/a//b']) {
      assert.equal(safeNextPath(path), path);
    }
  });

  void it('turns anything that could leave the origin into /', () => {
    const attempts = [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '/\\/evil.example',
      '\\\\evil.example',
      'https://evil.example',
      'http:/evil.example',
      'javascript:alert(1)',
      'evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/ /evil.example',
      '/a\\b',
      '/\u00e9vil',
      '',
      `/${'a'.repeat(2048)}`,
    ];
    for (const attempt of attempts) assert.equal(safeNextPath(attempt), '/', JSON.stringify(attempt));
  });

  void it('treats a missing or non-string value as /', () => {
    for (const value of [undefined, null, 42, ['/stacks']]) assert.equal(safeNextPath(value), '/');
  });
});

void describe(loginPath.name, () => {
  void it('carries the next path, encoded, and omits the default', () => {
    assert.equal(loginPath('/'), '/login');
    assert.equal(loginPath('//evil.example'), '/login');
    assert.equal(loginPath('/cli-login?a=1&b=2'), '/login?next=%2Fcli-login%3Fa%3D1%26b%3D2');
  });
});
