export * from './identity-access.module';
export * from './organizations.service';
