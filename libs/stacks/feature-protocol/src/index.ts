export * from './stacks-protocol.module';
export * from './protocol-settings';
export * from './state-upload.gate';
export { OAUTH_TOKEN_ROUTE } from './oauth-token.controller';
export { SCIM_MAX_BODY_BYTES, SCIM_ROUTE } from './scim-gateway.service';
export { buildPulumiSpec, PULUMI_SPEC_OPERATIONS, type ApiOperation } from './openapi';
