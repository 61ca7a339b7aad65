export * from './machine-identity.module';
export * from './machine-identity.options';
export * from './issuer-fetch';
