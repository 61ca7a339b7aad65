import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { IdentitySignInModule, type SignInOptions } from '@stackyard/identity-feature-sign-in';
import { IdentityTokensModule, type IdentityTokensOptions } from '@stackyard/identity-feature-tokens';
import { MachineIdentityModule, type MachineIdentityOptions } from '@stackyard/identity-feature-machine-identity';
import { IdentityScimModule } from '@stackyard/identity-feature-scim';
import { IdentityAccessModule } from '@stackyard/identity-feature-access';
import { type AuditLogOptions, IdentityAuditModule } from '@stackyard/identity-feature-audit';

/** Closes the pool when Nest shuts down (SIGTERM or `close()`), after requests have drained. */
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class AppModule {
  static register(dataSource: DataSource, options: IdentityTokensOptions, signIn: SignInOptions, machine: MachineIdentityOptions, audit: AuditLogOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [IdentityTokensModule.register(dataSource, options), IdentitySignInModule.register(signIn), MachineIdentityModule.register(machine), IdentityScimModule.register(), IdentityAuditModule.register(audit), IdentityAccessModule.register()],
      providers: [{ provide: DataSourceCloser, useValue: new DataSourceCloser(dataSource) }],
    };
  }
}
