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

  void it('leaves cipher workers to the core count unless set, and accepts 0 to 16', () => {
    const withKey = { ...base, STACKYARD_LOCAL_KEY_FILE: '/k' };
    assert.equal(loadSecretsConfig(withKey).CIPHER_WORKERS, undefined);
    assert.equal(loadSecretsConfig({ ...withKey, STACKYARD_CIPHER_WORKERS: '0' }).CIPHER_WORKERS, 0);
    for (const bad of ['-1', '17', '1.5', 'many']) {
      assert.throws(() => loadSecretsConfig({ ...withKey, STACKYARD_CIPHER_WORKERS: bad }), /CIPHER_WORKERS: must be a whole number from 0 to 16/, bad);
    }
  });

  void it('names the allowed key providers when STACKYARD_KEY_PROVIDER is unknown', () => {
    assert.throws(() => loadSecretsConfig({ ...base, STACKYARD_KEY_PROVIDER: 'hsm' }), /STACKYARD_KEY_PROVIDER: must be one of local, vault, aws-kms, azure-keyvault, gcp-kms/);
  });

  void it('lists every missing setting of the chosen provider at once', () => {
    const missing = (provider: string, extra: Record<string, string> = {}): string => {
      try {
        loadSecretsConfig({ ...base, STACKYARD_KEY_PROVIDER: provider, ...extra });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      return '';
    };
    assert.match(missing('vault'), /VAULT_ADDR is required[\s\S]*VAULT_TRANSIT_KEY is required[\s\S]*VAULT_TOKEN is required/);
    assert.match(missing('vault', { STACKYARD_VAULT_AUTH: 'kubernetes' }), /VAULT_KUBERNETES_ROLE is required/);
    assert.doesNotMatch(missing('vault', { STACKYARD_VAULT_AUTH: 'kubernetes' }), /VAULT_TOKEN/);
    assert.match(missing('aws-kms'), /AWS_KMS_ENDPOINT[\s\S]*AWS_KMS_REGION[\s\S]*AWS_KMS_KEY_ID[\s\S]*AWS_KMS_ACCESS_KEY_ID[\s\S]*AWS_KMS_SECRET_ACCESS_KEY/);
    assert.match(missing('azure-keyvault', { STACKYARD_AZURE_KEYVAULT_URL: 'http://kv.example' }), /must be https[\s\S]*/);
    assert.match(missing('azure-keyvault'), /AZURE_KEYVAULT_KEY_NAME is required[\s\S]*AZURE_KEYVAULT_ACCESS_TOKEN_PATH is required/);
    assert.match(missing('gcp-kms', { STACKYARD_GCP_KMS_CRYPTO_KEY: 'kek' }), /must look like projects\/P/);
    assert.match(missing('gcp-kms', { STACKYARD_GCP_KMS_CRYPTO_KEY: 'projects/p/locations/l/keyRings/r/cryptoKeys/k' }), /GCP_KMS_CREDENTIALS_FILE is required/);
    assert.match(
      missing('gcp-kms', { STACKYARD_GCP_KMS_CRYPTO_KEY: 'projects/p/locations/l/keyRings/r/cryptoKeys/k', STACKYARD_GCP_KMS_INSECURE_PLAINTEXT: 'true' }),
      /INSECURE_PLAINTEXT is only allowed with a loopback/,
    );
  });

  void it('accepts a complete remote provider setting without a local key file', () => {
    const sut = loadSecretsConfig({
      ...base,
      STACKYARD_KEY_PROVIDER: 'vault',
      STACKYARD_VAULT_ADDR: 'https://vault.internal:8200',
      STACKYARD_VAULT_TRANSIT_KEY: 'stackyard',
      STACKYARD_VAULT_AUTH: 'kubernetes',
      STACKYARD_VAULT_KUBERNETES_ROLE: 'stackyard-secrets',
    });
    assert.equal(sut.VAULT_TRANSIT_MOUNT, 'transit');
    assert.equal(sut.VAULT_KUBERNETES_MOUNT, 'kubernetes');
    assert.equal(sut.LOCAL_KEY_FILE, undefined);
  });

  void it('reads an unwrap-only previous provider from STACKYARD_PREVIOUS_*, named so in its problems', () => {
    const vault = { STACKYARD_KEY_PROVIDER: 'vault', STACKYARD_VAULT_ADDR: 'https://vault:8200', STACKYARD_VAULT_TRANSIT_KEY: 'stackyard', STACKYARD_VAULT_TOKEN: 't' };
    assert.equal(loadSecretsConfig({ ...base, ...vault }).previousKeyProvider, undefined);
    const migrating = loadSecretsConfig({ ...base, ...vault, STACKYARD_PREVIOUS_KEY_PROVIDER: 'local', STACKYARD_PREVIOUS_LOCAL_KEY_FILE: '/keys/old', STACKYARD_PREVIOUS_GENERATE_LOCAL_KEY: 'true' });
    assert.equal(migrating.KEY_PROVIDER, 'vault');
    assert.equal(migrating.previousKeyProvider?.KEY_PROVIDER, 'local');
    assert.equal(migrating.previousKeyProvider?.LOCAL_KEY_FILE, '/keys/old');
    assert.equal(migrating.previousKeyProvider?.GENERATE_LOCAL_KEY, false, 'a key being moved away from is never generated');
    assert.throws(
      () => loadSecretsConfig({ ...base, STACKYARD_LOCAL_KEY_FILE: '/keys/new', STACKYARD_PREVIOUS_KEY_PROVIDER: 'vault', STACKYARD_PREVIOUS_VAULT_ADDR: 'not a url' }),
      (error: unknown) =>
        error instanceof ConfigError && /STACKYARD_PREVIOUS_VAULT_ADDR: must be an http\(s\):\/\/ URL/.test(error.message) && !/STACKYARD_VAULT_ADDR/.test(error.message),
    );
    assert.throws(
      () => loadSecretsConfig({ ...base, STACKYARD_LOCAL_KEY_FILE: '/keys/new', STACKYARD_PREVIOUS_KEY_PROVIDER: 'vault', STACKYARD_PREVIOUS_VAULT_ADDR: 'https://vault:8200' }),
      (error: unknown) => error instanceof ConfigError && /STACKYARD_PREVIOUS_VAULT_TRANSIT_KEY is required with STACKYARD_PREVIOUS_KEY_PROVIDER=vault/.test(error.message),
    );
  });

  void it('admin commands need no listener settings', () => {
    const admin = loadSecretsConfig({ STACKYARD_DATABASE_URL: 'sqlite:/tmp/s.db', STACKYARD_LOCAL_KEY_FILE: '/keys/kek' }, { listener: false });
    assert.equal(admin.KEY_PROVIDER, 'local');
    assert.throws(() => loadSecretsConfig({ STACKYARD_DATABASE_URL: 'sqlite:/tmp/s.db', STACKYARD_LOCAL_KEY_FILE: '/keys/kek' }), /TLS_CERT_FILE/);
  });
});
