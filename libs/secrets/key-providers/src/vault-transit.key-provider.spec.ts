import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyProviderUnavailableError, KeyUnwrapError } from '@stackyard/secrets-domain';
import { VaultTransitKeyProvider, type VaultHttpRequest, type VaultHttpResponse } from './vault-transit.key-provider';

/** A scripted Vault: records every request and answers from `reply`. */
function recorder(reply: (req: VaultHttpRequest, n: number) => { status: number; body?: unknown }) {
  const seen: VaultHttpRequest[] = [];
  const transport = (req: VaultHttpRequest): Promise<VaultHttpResponse> => {
    seen.push({ ...req, headers: { ...req.headers } });
    const { status, body } = reply(req, seen.length);
    return Promise.resolve({ statusCode: status, body, request: { path: new URL(req.uri).pathname } });
  };
  return { seen, transport };
}

const encryptAnswer = { status: 200, body: { data: { ciphertext: `vault:v3:${randomBytes(60).toString('base64')}`, key_version: 3 } } };

void describe(VaultTransitKeyProvider.name, () => {
  void it('logs in with Kubernetes auth (role + JWT, no token) and then uses the client token', async () => {
    process.env['VAULT_TOKEN'] = 'from-the-environment'; // must never be used
    try {
      const vault = recorder((req) => (req.uri.endsWith('/auth/kubernetes/login') ? { status: 200, body: { auth: { client_token: 'hvs.k8s-token', lease_duration: 3600 } } } : encryptAnswer));
      const sut = new VaultTransitKeyProvider({ endpoint: 'https://vault.internal:8200/', keyName: 'kek', auth: { method: 'kubernetes', role: 'stackyard-secrets', jwt: () => 'sa.jwt.value' }, transport: vault.transport });
      const wrapped = await sut.wrap(randomBytes(32), 'stack:a');
      assert.equal(wrapped.keyVersion, 3);
      const [login, encrypt] = vault.seen;
      assert.equal(login.method, 'POST');
      assert.equal(login.uri, 'https://vault.internal:8200/v1/auth/kubernetes/login');
      assert.deepEqual(login.json, { role: 'stackyard-secrets', jwt: 'sa.jwt.value' });
      assert.equal(login.headers['X-Vault-Token'], undefined, 'the login carries no token');
      assert.equal(encrypt.uri, 'https://vault.internal:8200/v1/transit/encrypt/kek');
      assert.equal(encrypt.headers['X-Vault-Token'], 'hvs.k8s-token');
      assert.deepEqual(Object.keys(encrypt.json as object).sort(), ['associated_data', 'plaintext']);
      assert.equal((encrypt.json as { associated_data: string }).associated_data, Buffer.from('stack:a').toString('base64'));
    } finally {
      delete process.env['VAULT_TOKEN'];
    }
  });

  void it('uses a custom auth mount and namespace, and logs in once for many calls', async () => {
    const vault = recorder((req) => (req.uri.includes('/login') ? { status: 200, body: { auth: { client_token: 't1' } } } : encryptAnswer));
    const sut = new VaultTransitKeyProvider({ endpoint: 'https://v:8200', mount: 'kv-transit', keyName: 'kek', namespace: 'team-a', auth: { method: 'kubernetes', role: 'r', jwt: 'j', mount: 'k8s-prod' }, transport: vault.transport });
    await sut.wrap(randomBytes(32), 'c');
    await sut.wrap(randomBytes(32), 'c');
    assert.deepEqual(vault.seen.map((r) => new URL(r.uri).pathname), ['/v1/auth/k8s-prod/login', '/v1/kv-transit/encrypt/kek', '/v1/kv-transit/encrypt/kek']);
    assert.ok(vault.seen.every((r) => r.headers['X-Vault-Namespace'] === 'team-a'));
  });

  void it('logs in again once when Vault answers 403 (expired token)', async () => {
    let logins = 0;
    const vault = recorder((req) => {
      if (req.uri.includes('/login')) return { status: 200, body: { auth: { client_token: `t${++logins}` } } };
      return req.headers['X-Vault-Token'] === 't1' ? { status: 403, body: { errors: ['permission denied'] } } : encryptAnswer;
    });
    const sut = new VaultTransitKeyProvider({ endpoint: 'https://v:8200', keyName: 'kek', auth: { method: 'kubernetes', role: 'r', jwt: 'j' }, transport: vault.transport });
    await sut.wrap(randomBytes(32), 'c');
    assert.equal(logins, 2);
    assert.equal(vault.seen.at(-1)!.headers['X-Vault-Token'], 't2');
  });

  void it('sends a static token, maps 400 on decrypt to KeyUnwrapError and other failures to KeyProviderUnavailableError', async () => {
    const vault = recorder((req) => (req.uri.includes('/decrypt/') ? { status: 400, body: { errors: ['cipher: message authentication failed'] } } : { status: 503, body: { errors: ['Vault is sealed'] } }));
    const sut = new VaultTransitKeyProvider({ endpoint: 'http://127.0.0.1:1', keyName: 'kek', auth: { method: 'token', token: 's.static' }, transport: vault.transport });
    await assert.rejects(sut.unwrap({ keyId: sut.keyId, keyVersion: 1, wrapped: randomBytes(60) }, 'c'), KeyUnwrapError);
    await assert.rejects(sut.wrap(randomBytes(32), 'c'), KeyProviderUnavailableError);
    await assert.rejects(sut.check(), KeyProviderUnavailableError);
    assert.ok(vault.seen.every((r) => r.headers['X-Vault-Token'] === 's.static'));
  });
});
