import { KeyClient } from '@azure/keyvault-keys';
import { startAzureKeyVault } from '@stackyard/testing';
import { Agent } from 'node:https';
import { AzureKeyVaultKeyProvider, staticTokenCredential } from './azure-keyvault.key-provider';
import { keyProviderContract } from './testing/key-provider.contract';

// Against the Key Vault keys REST API over verified HTTPS (the in-repo emulator: see
// libs/shared/testing's azure-keyvault.emulator.ts for why lowkey-vault does not run). Rotation is
// what an operator does: a new version of the key.
keyProviderContract('azure-keyvault (Key Vault REST emulator)', async () => {
  const vault = await startAzureKeyVault();
  const credential = staticTokenCredential(vault.token);
  const admin = new KeyClient(vault.vaultUrl, credential, { disableChallengeResourceVerification: true, agent: new Agent({ ca: vault.caPem }) });
  await admin.createRsaKey('stackyard-kek', { keySize: 2048, keyOps: ['wrapKey', 'unwrapKey'] });
  const provider = new AzureKeyVaultKeyProvider({ vaultUrl: vault.vaultUrl, keyName: 'stackyard-kek', credential, caPem: vault.caPem, disableChallengeResourceVerification: true, timeoutMs: 5_000 });
  return {
    provider,
    rotate: async () => {
      await admin.createRsaKey('stackyard-kek', { keySize: 2048, keyOps: ['wrapKey', 'unwrapKey'] });
    },
    stopServer: () => vault.stop(),
    dispose: () => vault.stop(),
  };
});
