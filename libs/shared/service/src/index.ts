export * from './service-config';
export * from './start-service';
export * from './all-exceptions.filter';
export * from './metrics';
