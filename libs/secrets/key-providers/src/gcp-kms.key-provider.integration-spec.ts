import { KeyManagementServiceClient } from '@google-cloud/kms';
import * as grpc from '@grpc/grpc-js';
import { startGcpKms } from '@stackyard/testing';
import { GcpKmsKeyProvider } from './gcp-kms.key-provider';
import { keyProviderContract } from './testing/key-provider.contract';

// Against the KeyManagementService gRPC API (the in-repo emulator: see libs/shared/testing's
// gcp-kms.emulator.ts for why no third-party emulator runs). Rotation is what an operator does:
// a new CryptoKeyVersion made primary.
keyProviderContract('gcp-kms (KeyManagementService gRPC emulator)', async () => {
  const kms = await startGcpKms();
  const admin = new KeyManagementServiceClient({ apiEndpoint: kms.host, port: kms.port, sslCreds: grpc.credentials.createInsecure(), projectId: 'unused', universeDomain: 'googleapis.com' });
  const [ring] = await admin.createKeyRing({ parent: 'projects/stackyard-test/locations/global', keyRingId: 'contract' });
  const [key] = await admin.createCryptoKey({ parent: ring.name!, cryptoKeyId: 'kek', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } });
  const provider = new GcpKmsKeyProvider({ cryptoKey: key.name!, apiEndpoint: kms.host, port: kms.port, transport: 'insecure', timeoutMs: 5_000 });
  return {
    provider,
    rotate: async () => {
      const [version] = await admin.createCryptoKeyVersion({ parent: key.name!, cryptoKeyVersion: {} });
      await admin.updateCryptoKeyPrimaryVersion({ name: key.name!, cryptoKeyVersionId: version.name!.split('/').pop()! });
    },
    stopServer: () => kms.stop(),
    dispose: async () => {
      await provider.close();
      await admin.close();
      await kms.stop();
    },
  };
});
