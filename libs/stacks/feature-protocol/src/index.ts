export * from './stacks-protocol.module';
export * from './protocol-settings';
