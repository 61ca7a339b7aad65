export * from './scim-error';
export * from './scim-schemas';
export * from './scim-filter';
export * from './scim-attributes';
export * from './scim-patch';
export * from './scim-resources';
export * from './scim-list';
