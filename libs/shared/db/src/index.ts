export * from './data-source';
export * from './transformers';
export * from './migrate-command';
