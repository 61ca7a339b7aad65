export * from './json-schema';
export * from './openapi.controller';
export * from './pulumi-spec.document';
export * from './pulumi-spec.operations';
export * from './pulumi-spec.schemas';
