import { after } from 'node:test';
import { S3ObjectStore } from '@stackyard/shared-storage';
import { startVersitygw, type VersitygwPeer } from '@stackyard/testing';
import { stackStoresContract } from './stack-objects.contract';

let peer: VersitygwPeer | undefined;
const stores: S3ObjectStore[] = [];

after(async () => {
  for (const s of stores) s.close();
  await peer?.stop();
});

stackStoresContract('s3 (versitygw)', async () => {
  peer ??= await startVersitygw();
  const store = new S3ObjectStore({
    endpoint: peer.endpoint,
    accessKey: peer.accessKey,
    secretKey: peer.secretKey,
    region: peer.region,
    bucket: peer.uniqueBucket('stack-objects'),
    prefix: 'install-a',
    // The smallest part size S3 allows, so the large checkpoint takes the multipart path.
    partSize: 5 * 1024 * 1024,
  });
  stores.push(store);
  await store.ensureBucket();
  return { store };
});
