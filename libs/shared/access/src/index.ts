export * from './stack-access';
export * from './organization-access';
export * from './explain';
