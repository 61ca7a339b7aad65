export * from './lease-store';
export * from './leader-elector';
export * from './leader-job';
export * from './database-lease.store';
export * from './kubernetes-lease.store';
export * from './leader-election.config';
