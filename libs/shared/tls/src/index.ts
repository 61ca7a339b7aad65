export * from './pki';
export * from './peer-identity';
