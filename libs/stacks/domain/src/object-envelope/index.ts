export * from './object-envelope';
