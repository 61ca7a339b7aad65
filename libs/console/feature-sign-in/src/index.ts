export * from './console-sign-in.module';
export * from './console-sign-in.settings';
export * from './identity.gateway';
export * from './trusted-proxies';
