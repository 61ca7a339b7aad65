export * from './access-token';
export * from './names';
export * from './external-identity';
export * from './session-token';
export * from './sign-in-throttle';
