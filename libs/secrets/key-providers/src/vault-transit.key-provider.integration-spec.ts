import { startVault } from '@stackyard/testing';
import { VaultTransitKeyProvider } from './vault-transit.key-provider';
import { keyProviderContract } from './testing/key-provider.contract';

// Against a real Vault dev server (v1.14.8, MPL-2.0, or OpenBao when it can be built): Transit
// mounted at a non-default path, an aes256-gcm96 key, a token limited to that key by a policy.
// Rotation is `transit/keys/<k>/rotate`.
keyProviderContract('vault-transit (Vault dev server)', async () => {
  const vault = await startVault();
  await vault.api('POST', 'sys/mounts/stackyard-transit', { type: 'transit' });
  await vault.api('POST', 'stackyard-transit/keys/kek', { type: 'aes256-gcm96' });
  await vault.api('PUT', 'sys/policies/acl/stackyard-secrets', {
    policy: ['encrypt', 'decrypt'].map((op) => `path "stackyard-transit/${op}/kek" { capabilities = ["update"] }`).concat('path "stackyard-transit/keys/kek" { capabilities = ["read"] }').join('\n'),
  });
  const token = ((await vault.api('POST', 'auth/token/create', { policies: ['stackyard-secrets'], no_default_policy: true, ttl: '1h' })) as { auth: { client_token: string } }).auth.client_token;
  const provider = new VaultTransitKeyProvider({ endpoint: vault.endpoint, mount: 'stackyard-transit', keyName: 'kek', auth: { method: 'token', token }, timeoutMs: 5_000 });
  return {
    provider,
    // An operator's token for `rotate-kek`: the service's policy above may not rotate.
    rotatingProvider: new VaultTransitKeyProvider({ endpoint: vault.endpoint, mount: 'stackyard-transit', keyName: 'kek', auth: { method: 'token', token: vault.rootToken }, timeoutMs: 5_000 }),
    rotate: async () => {
      await vault.api('POST', 'stackyard-transit/keys/kek/rotate');
    },
    stopServer: () => vault.stop(),
    dispose: () => vault.stop(),
  };
});
