export * from './aws-kms.key-provider';
export * from './gcp-kms.key-provider';
export * from './azure-keyvault.key-provider';
export * from './vault-transit.key-provider';
