export * from './internal';
export * from './pulumi';
