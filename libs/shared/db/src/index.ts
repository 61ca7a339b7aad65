export * from './data-source';
export * from './transformers';
