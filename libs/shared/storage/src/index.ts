export * from './object-store';
export * from './object-key.util';
export * from './object-store.config';
export * from './disk.object-store';
export * from './s3.object-store';
export * from './object-store.factory';
