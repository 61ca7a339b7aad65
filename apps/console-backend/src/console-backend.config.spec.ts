import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@stackyard/shared-config';
import { loadConsoleBackendConfig } from './console-backend.config';

const base = {
  STACKYARD_TLS_CERT_FILE: '/pki/public.pem',
  STACKYARD_TLS_KEY_FILE: '/pki/public-key.pem',
  STACKYARD_INTERNAL_CA_FILE: '/pki/ca.pem',
  STACKYARD_INTERNAL_CERT_FILE: '/pki/service-console-backend.pem',
  STACKYARD_INTERNAL_KEY_FILE: '/pki/service-console-backend-key.pem',
};

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConsoleBackendConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

void describe('loadConsoleBackendConfig', () => {
  void it('applies the documented defaults', () => {
    const sut = loadConsoleBackendConfig(base);
    assert.equal(sut.PORT, 3443);
    assert.equal(sut.IDENTITY_URL, 'https://127.0.0.1:7443');
    assert.equal(sut.CONSOLE_URL, undefined);
    assert.equal(sut.TRUSTED_PROXIES, '');
  });

  void it('keeps only the origin of STACKYARD_CONSOLE_URL', () => {
    assert.equal(loadConsoleBackendConfig({ ...base, STACKYARD_CONSOLE_URL: 'https://App.Example.com/some/path' }).CONSOLE_URL, 'https://app.example.com');
    assert.equal(loadConsoleBackendConfig({ ...base, STACKYARD_CONSOLE_URL: 'https://app.example.com:443/' }).CONSOLE_URL, 'https://app.example.com');
    assert.match(problems({ ...base, STACKYARD_CONSOLE_URL: 'ftp://app.example.com' }), /STACKYARD_CONSOLE_URL/);
    assert.match(problems({ ...base, STACKYARD_CONSOLE_URL: 'app.example.com' }), /STACKYARD_CONSOLE_URL/);
  });

  void it('names every bad entry of STACKYARD_TRUSTED_PROXIES', () => {
    assert.equal(loadConsoleBackendConfig({ ...base, STACKYARD_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).TRUSTED_PROXIES, '10.0.0.0/8, ::1');
    const message = problems({ ...base, STACKYARD_TRUSTED_PROXIES: 'proxy.local, 10.0.0.0/40' });
    assert.match(message, /STACKYARD_TRUSTED_PROXIES: 'proxy\.local' is neither/);
    assert.match(message, /STACKYARD_TRUSTED_PROXIES: '10\.0\.0\.0\/40' is neither/);
  });

  void it('requires the mutual-TLS client files it calls identity with', () => {
    const { STACKYARD_INTERNAL_CERT_FILE: _cert, ...withoutCert } = base;
    assert.match(problems(withoutCert), /STACKYARD_INTERNAL_CERT_FILE/);
  });
});
