export * from './internal';
export * from './pulumi';
export * from './base64';
