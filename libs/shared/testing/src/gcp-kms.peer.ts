import { startGcpKmsEmulator } from './gcp-kms.emulator';

export interface GcpKmsPeer {
  /** `127.0.0.1`. */
  host: string;
  port: number;
  /** What serves the API: always the in-repo emulator for now (see gcp-kms.emulator.ts for why). */
  kind: 'stackyard-gcp-kms-emulator';
  stop(): Promise<void>;
}

/**
 * A Google Cloud KMS gRPC server on 127.0.0.1 and a free port. Neither Go emulator named in
 * test-peers.md §4 is served by the module proxy (scripts/peers/gcp-kms.sh says so and fails), so
 * this is the in-repo emulator speaking the official KeyManagementService protocol with real
 * AES-256-GCM; it runs inside the test process and keeps its keys in memory.
 */
export async function startGcpKms(): Promise<GcpKmsPeer> {
  const emulator = await startGcpKmsEmulator({ host: '127.0.0.1', port: 0 });
  return { host: emulator.host, port: emulator.port, kind: 'stackyard-gcp-kms-emulator', stop: () => emulator.stop() };
}
