export * from './key-provider';
export * from './key-ring';
export * from './key-wrap';
export * from './local-key-provider';
export * from './secrets.errors';
export * from './stack-id';
export * from './value-envelope';
export * from './value-batch';
