import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '@stackyard/shared-config';
import { createCertificateAuthority } from '@stackyard/shared-tls';
import { loadIdentityConfig } from './identity.config';
import { oauthMethods, parseOAuthProviders } from './oauth-providers.config';

const base = {
  STACKYARD_DATABASE_URL: 'sqlite:/tmp/identity.db',
  STACKYARD_TLS_CERT_FILE: '/pki/identity.pem',
  STACKYARD_TLS_KEY_FILE: '/pki/identity-key.pem',
  STACKYARD_INTERNAL_CA_FILE: '/pki/ca.pem',
};

const SECRET = 'client-secret-that-never-appears-in-messages';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadIdentityConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

void describe('STACKYARD_OAUTH_PROVIDERS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-oauth-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`);
  const entry = (change: Record<string, unknown> = {}) => ({
    id: 'corp-github',
    displayName: 'GitHub Enterprise',
    organization: 'acme',
    kind: 'github-enterprise',
    baseUrl: 'https://github.corp.test',
    clientId: 'Iv1.abc',
    clientSecretFile: secretFile,
    ...change,
  });

  void it('reads a provider with its secret and CA from files, with the defaults for mappings and allowed groups', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, (await createCertificateAuthority('test CA')).certPem);
    const config = loadIdentityConfig({ ...base, STACKYARD_CONSOLE_URL: 'https://console.corp.test/', STACKYARD_OAUTH_PROVIDERS: JSON.stringify([entry({ caFile, teamMappings: [{ group: 'acme/platform', team: 'platform' }] })]) });
    assert.equal(config.OAUTH_STATE_TTL_SECONDS, 600);
    const [provider] = config.oauthProviders;
    assert.equal(provider.provider.clientSecret, SECRET, 'the trailing newline of the file is not part of the secret');
    assert.match(provider.provider.caCertificates!, /BEGIN CERTIFICATE/);
    assert.deepEqual(provider.allowedGroups, []);
    const [method] = oauthMethods(config.oauthProviders);
    assert.equal(method.provider.kind, 'github-enterprise');
    assert.equal(method.provider.pkce, true);
  });

  void it('reports every problem at once, naming fields and never the secret', () => {
    const message = problemsOf({
      ...base,
      STACKYARD_DIRECTORIES: JSON.stringify([{ id: 'corp-gitlab', displayName: 'LDAP', organization: 'acme', ldap: { kind: 'openldap', url: 'ldaps://ldap.test', userBaseDn: 'dc=test' } }]),
      STACKYARD_OAUTH_PROVIDERS: JSON.stringify([
        entry({ clientSecret: SECRET }),
        entry({ id: 'corp-gitlab', kind: 'gitlab', baseUrl: 'http://gitlab.corp.test', clientSecretFile: join(dir, 'missing') }),
        entry({ id: 'corp-github' }),
      ]),
    });
    assert.match(message, /clientSecret and clientSecretFile are both set/);
    assert.match(message, /corp-gitlab.*baseUrl must be an https:\/\/ URL/);
    assert.match(message, /clientSecretFile: cannot read/);
    assert.match(message, /corp-github\): id is used twice/);
    assert.match(message, /needs STACKYARD_CONSOLE_URL/);
    assert.match(message, /'corp-gitlab' is also a directory's id/);
    assert.ok(!message.includes(SECRET));
  });

  void it('refuses unknown fields, kinds and Bitbucket options elsewhere', () => {
    assert.match(parseOAuthProviders(JSON.stringify([entry({ clientSecrett: 'x' })])).problems.join(), /clientSecrett/);
    assert.match(parseOAuthProviders(JSON.stringify([entry({ kind: 'gitea' })])).problems.join(), /kind/);
    assert.match(parseOAuthProviders(JSON.stringify([entry({ projectPermission: 'PROJECT_WRITE' })])).problems.join(), /bitbucket-data-center only/);
    assert.match(parseOAuthProviders('[').problems.join(), /not valid JSON/);
    assert.deepEqual(parseOAuthProviders(undefined), { entries: [], problems: [] });
  });
});
