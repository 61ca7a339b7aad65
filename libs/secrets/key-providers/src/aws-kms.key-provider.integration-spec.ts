import { CreateAliasCommand, CreateKeyCommand, KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { startLocalKms } from '@stackyard/testing';
import { AwsKmsKeyProvider } from './aws-kms.key-provider';
import { keyProviderContract } from './testing/key-provider.contract';

// Against local-kms (or moto, when only it could be provisioned): the real AWS KMS wire protocol.
// Rotation is AWS's manual rotation: a new key, and the alias the provider is configured with
// moved onto it. Old ciphertexts keep naming (and decrypting under) the old key.
keyProviderContract('aws-kms (local-kms)', async () => {
  const kms = await startLocalKms();
  const admin = new KMSClient({ endpoint: kms.endpoint, region: kms.region, credentials: kms.credentials });
  const newKey = async (): Promise<string> => (await admin.send(new CreateKeyCommand({ Description: 'stackyard contract test' }))).KeyMetadata!.KeyId!;
  const alias = 'alias/stackyard-contract';
  await admin.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: await newKey() }));
  const provider = new AwsKmsKeyProvider({ endpoint: kms.endpoint, region: kms.region, keyId: alias, credentials: kms.credentials, timeoutMs: 5_000 });
  await provider.check();
  return {
    provider,
    rotate: async () => {
      await admin.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: await newKey() }));
    },
    stopServer: () => kms.stop(),
    dispose: async () => {
      provider.close();
      admin.destroy();
      await kms.stop();
    },
  };
});
