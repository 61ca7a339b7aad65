export * from './audit-chain-check';
export * from './audit-export';
export * from './audit-log-query';
export * from './audit-log.options';
export * from './audit-log.service';
export * from './identity-audit.module';
export * from './syslog-forwarder';
export * from './syslog-message';
