export * from './bounded-ttl-cache';
