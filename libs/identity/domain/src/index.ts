export * from './access-token';
export * from './names';
