import { startAzureKeyVaultEmulator } from './azure-keyvault.emulator';

export interface AzureKeyVaultPeer {
  /** `https://127.0.0.1:<port>`. */
  vaultUrl: string;
  /** CA of the server certificate; clients must trust it (no certificate check is ever turned off). */
  caPem: string;
  /** The bearer token the server accepts (hand it to the client as a static TokenCredential). */
  token: string;
  kind: 'stackyard-azure-keyvault-emulator';
  stop(): Promise<void>;
}

/**
 * An Azure Key Vault (keys API) over HTTPS on 127.0.0.1 and a free port. lowkey-vault, the
 * emulator test-peers.md §4 names, cannot be provisioned: its application jar is not published to
 * Maven Central (scripts/peers/lowkey-vault.sh says so and fails), so this is the in-repo emulator
 * (real RSA keys, versions, bearer challenge, the REST error shapes). Runs in the test process.
 */
export async function startAzureKeyVault(): Promise<AzureKeyVaultPeer> {
  const emulator = await startAzureKeyVaultEmulator();
  return { vaultUrl: emulator.vaultUrl, caPem: emulator.caPem, token: emulator.token, kind: 'stackyard-azure-keyvault-emulator', stop: () => emulator.stop() };
}
