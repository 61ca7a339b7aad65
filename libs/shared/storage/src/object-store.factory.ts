import { DiskObjectStore } from './disk.object-store';
import type { ObjectStoreSettings } from './object-store.config';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3.object-store';

/** The driver an installation's settings ask for. Performs no I/O; see `openObjectStore`. */
export function createObjectStore(settings: ObjectStoreSettings): DiskObjectStore | S3ObjectStore {
  switch (settings.kind) {
    case 'disk':
      return new DiskObjectStore(settings.dir);
    case 's3':
      return new S3ObjectStore(settings);
  }
}

/**
 * Start-up path: creates the driver, creates its root directory or bucket when missing, and proves
 * it usable, so a misconfigured store stops the service at boot rather than at the first upload.
 */
export async function openObjectStore(settings: ObjectStoreSettings): Promise<ObjectStore> {
  const store = createObjectStore(settings);
  await store.prepare();
  await store.check();
  return store;
}
