export * from './read-body';
export * from './internal-client';
