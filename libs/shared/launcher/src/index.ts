export * from './start-suite';
export * from './service-process';
export * from './free-port';
export * from './admin-token';
export * from './https-request.util';
