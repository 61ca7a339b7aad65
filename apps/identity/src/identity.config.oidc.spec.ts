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

void describe('identity config: OIDC token exchange settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-identity-oidc-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('applies the documented defaults', () => {
    const sut = loadIdentityConfig(base);
    assert.equal(sut.OIDC_MAX_TOKEN_LIFETIME_SECONDS, 7200);
    assert.equal(sut.OIDC_CLOCK_SKEW_SECONDS, 60);
    assert.equal(sut.OIDC_MAX_SUBJECT_TOKEN_AGE_SECONDS, 86_400);
    assert.equal(sut.OIDC_JWKS_CACHE_SECONDS, 300);
    assert.equal(sut.OIDC_CA, undefined);
    assert.deepEqual(sut.OIDC_DISCOVERY_HOSTS, []);
  });

  void it('reads the issuer CA from a file (a cluster ca.crt) and the allowed hosts as a list', () => {
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const sut = loadIdentityConfig({ ...base, STACKYARD_OIDC_CA_FILE: caFile, STACKYARD_OIDC_DISCOVERY_HOSTS: 'kubernetes.default.svc, *.corp.example' });
    assert.match(sut.OIDC_CA ?? '', /BEGIN CERTIFICATE/);
    assert.deepEqual(sut.OIDC_DISCOVERY_HOSTS, ['kubernetes.default.svc', '*.corp.example']);
  });

  void it('reports every bad value at once', () => {
    assert.throws(
      () => loadIdentityConfig({ ...base, STACKYARD_OIDC_CA: 'not a certificate', STACKYARD_OIDC_DISCOVERY_HOSTS: 'https://x/', STACKYARD_OIDC_CLOCK_SKEW_SECONDS: '3600' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /STACKYARD_OIDC_CLOCK_SKEW_SECONDS/);
        return true;
      },
    );
    assert.throws(() => loadIdentityConfig({ ...base, STACKYARD_OIDC_CA: 'not a certificate', STACKYARD_OIDC_DISCOVERY_HOSTS: 'https://x/' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /STACKYARD_OIDC_CA must hold PEM certificates/);
      assert.match(error.message, /STACKYARD_OIDC_DISCOVERY_HOSTS: 'https:\/\/x\/' is not a host name/);
      return true;
    });
  });
});
