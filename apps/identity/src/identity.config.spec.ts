import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '@stackyard/shared-config';
import { loadIdentityConfig } from './identity.config';

const base = {
  STACKYARD_DATABASE_URL: 'sqlite:/tmp/identity.db',
  STACKYARD_TLS_CERT_FILE: '/pki/identity.pem',
  STACKYARD_TLS_KEY_FILE: '/pki/identity-key.pem',
  STACKYARD_INTERNAL_CA_FILE: '/pki/ca.pem',
};

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadIdentityConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

void describe('loadIdentityConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-identity-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('applies the documented defaults', () => {
    const sut = loadIdentityConfig(base);
    assert.equal(sut.PORT, 7443);
    assert.equal(sut.MIGRATE_ON_START, true);
    assert.equal(sut.BOOTSTRAP_ADMIN_LOGIN, 'admin');
    assert.equal(sut.BOOTSTRAP_ORG, 'stackyard');
    assert.equal(sut.BOOTSTRAP_ADMIN_TOKEN, undefined);
  });

  void it('reads the bootstrap token from a _FILE (a mounted Secret)', () => {
    const token = 'pul-0123456789abcdef0123456789abcdef01234567';
    const file = join(dir, 'token');
    writeFileSync(file, `${token}\n`);
    assert.equal(loadIdentityConfig({ ...base, STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE: file }).BOOTSTRAP_ADMIN_TOKEN, token);
  });

  void it('rejects a weak bootstrap token without printing it', () => {
    const weak = 'password-password-password-password';
    const message = problems({ ...base, STACKYARD_BOOTSTRAP_ADMIN_TOKEN: weak });
    assert.match(message, /STACKYARD_BOOTSTRAP_ADMIN_TOKEN is too weak/);
    assert.ok(!message.includes(weak));
    assert.match(problems({ ...base, STACKYARD_BOOTSTRAP_ADMIN_TOKEN: 'tooshort' }), /at least 32 characters/);
  });

  void it('reports every cross-field problem together', () => {
    const message = problems({
      STACKYARD_DATABASE_URL: 'postgres://x/y',
      STACKYARD_INSECURE_HTTP: 'true',
      STACKYARD_BOOTSTRAP_ADMIN_LOGIN: 'no spaces allowed',
      STACKYARD_BOOTSTRAP_ORG: 'a/b',
    });
    for (const expected of [/INSECURE_HTTP is not supported/, /TLS_CERT_FILE and STACKYARD_TLS_KEY_FILE are required/, /INTERNAL_CA_FILE is required/, /unsupported database URL/, /BOOTSTRAP_ADMIN_LOGIN must be/, /BOOTSTRAP_ORG must be/]) {
      assert.match(message, expected);
    }
  });

  void it('reads the console origin (SAML service providers live there) and the break-glass logins', () => {
    const unset = loadIdentityConfig(base);
    assert.equal(unset.CONSOLE_URL, undefined);
    assert.deepEqual(unset.BREAK_GLASS_LOGINS, []);
    const sut = loadIdentityConfig({ ...base, STACKYARD_CONSOLE_URL: 'https://console.example.com:8443/some/path', STACKYARD_BREAK_GLASS_LOGINS: ' ops , oncall,,' });
    assert.equal(sut.CONSOLE_URL, 'https://console.example.com:8443');
    assert.deepEqual(sut.BREAK_GLASS_LOGINS, ['ops', 'oncall']);
    assert.match(problems({ ...base, STACKYARD_CONSOLE_URL: 'ftp://console.example.com' }), /STACKYARD_CONSOLE_URL: must be an http\(s\):\/\/ URL/);
    assert.match(problems({ ...base, STACKYARD_BREAK_GLASS_LOGINS: 'ops, not a login' }), /STACKYARD_BREAK_GLASS_LOGINS: 'not a login' is not a login/);
  });

  void it('requires the database URL', () => {
    assert.match(problems({ ...base, STACKYARD_DATABASE_URL: undefined }), /STACKYARD_DATABASE_URL: is required/);
  });
});
