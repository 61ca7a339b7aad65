export * from './deployment-features.util';
export * from './journal-replay.exception';
export * from './journal-replayer';
export * from './journal.types';
export * from './normalize-urn-references.util';
export * from './rebuild-dependencies.util';
