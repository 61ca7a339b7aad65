import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@stackyard/shared-config';
import { loadSecretsConfig } from './secrets.config';

const base = {
  STACKYARD_DATABASE_URL: 'sqlite:/tmp/secrets.db',
  STACKYARD_TLS_CERT_FILE: '/pki/secrets.pem',
  STACKYARD_TLS_KEY_FILE: '/pki/secrets-key.pem',
  STACKYARD_INTERNAL_CA_FILE: '/pki/ca.pem',
};

void describe('loadSecretsConfig', () => {
  void it('applies the documented defaults', () => {
    const sut = loadSecretsConfig({ ...base, STACKYARD_LOCAL_KEY_FILE: '/keys/kek' });
    assert.equal(sut.PORT, 7444);
    assert.equal(sut.KEY_PROVIDER, 'local');
    assert.equal(sut.GENERATE_LOCAL_KEY, false);
    assert.equal(sut.DATA_KEY_CACHE_SIZE, 10_000);
    assert.equal(sut.DATA_KEY_CACHE_TTL_SECONDS, 600);
    assert.equal(sut.MIGRATE_ON_START, true);
  });

  void it("accepts Pulumi's PULUMI_LOCAL_KEYS as the key file, and prefers the STACKYARD_ name", () => {
    assert.equal(loadSecretsConfig({ ...base, PULUMI_LOCAL_KEYS: '/pulumi/keys' }).LOCAL_KEY_FILE, '/pulumi/keys');
    assert.equal(loadSecretsConfig({ ...base, PULUMI_LOCAL_KEYS: '/pulumi/keys', STACKYARD_LOCAL_KEY_FILE: '/mine' }).LOCAL_KEY_FILE, '/mine');
  });

  void it('requires a key file and mutual-TLS settings, all reported together', () => {
    assert.throws(
      () => loadSecretsConfig({ STACKYARD_DATABASE_URL: 'sqlite:/tmp/s.db' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /LOCAL_KEY_FILE \(or PULUMI_LOCAL_KEYS\) is required/.test(error.message) &&
        /TLS_CERT_FILE/.test(error.message) &&
        /INTERNAL_CA_FILE/.test(error.message),
    );
  });

  void it('rejects nonsensical cache bounds', () => {
    assert.throws(() => loadSecretsConfig({ ...base, STACKYARD_LOCAL_KEY_FILE: '/k', STACKYARD_DATA_KEY_CACHE_SIZE: '0' }), /DATA_KEY_CACHE_SIZE/);
  });
});
