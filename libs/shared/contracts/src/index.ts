export * from './internal';
export * from './pulumi';
export * from './base64';
export * from './machine-identity';
export * from './scim';
export * from './access';
export * from './audit';
