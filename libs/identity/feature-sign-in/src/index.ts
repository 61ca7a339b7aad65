export * from './cli-token.service';
export * from './directory-sign-in.service';
export * from './identity-sign-in.module';
export * from './session.service';
export * from './sign-in.options';
export * from './user-provisioning.service';
