export * from './stacks-protocol.module';
export * from './protocol-settings';
export * from './state-upload.gate';
