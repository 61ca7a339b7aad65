export * from './continuation-token.util';
export * from './json-scan.exception';
export * from './json-scan.util';
export * from './name-validation.util';
export * from './stack-rename.util';
export * from './untyped-deployment.util';
export * from './urn.util';
export * from './journal';
