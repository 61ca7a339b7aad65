import { join } from 'node:path';
import { DiskObjectStore } from '@stackyard/shared-storage';
import { tempDir } from '@stackyard/testing';
import { stackStoresContract } from './stack-objects.contract';

stackStoresContract('disk', async () => {
  const store = new DiskObjectStore(join(tempDir('stackyard-stack-objects'), 'objects'));
  await store.prepare();
  return { store };
});
