export * from './identity-scim.module';
export * from './saml-organizations';
export * from './scim.options';
export * from './scim-relay.service';
export * from './scim-token.service';
export * from './scim-users.service';
export * from './scim-groups.service';
export * from './scim-request';
