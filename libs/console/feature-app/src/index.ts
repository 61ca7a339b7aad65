export * from './api.client';
export * from './console-app.module';
export * from './console-web';
export * from './stack-outputs';
export * from './update-log';
export * from './stack-resources';
