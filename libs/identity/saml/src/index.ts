// SAML 2.0 service provider (Web Browser SSO) for organizations that sign in through their own IdP.
export * from './saml-error';
export * from './idp-metadata';
export * from './stores';
export * from './service-provider';
