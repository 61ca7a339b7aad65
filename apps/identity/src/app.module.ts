import { type BeforeApplicationShutdown, type DynamicModule, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
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

/** Something that runs for the service's whole life, such as a cluster singleton under leader election. */
export interface ServiceLifecycle {
  start(): void;
  stop(): Promise<void>;
}

/** Starts the singletons once the app is up; stops them (releasing leases) before the pool closes. */
class ClusterSingletons implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly members: ServiceLifecycle[]) {}

  onApplicationBootstrap(): void {
    for (const member of this.members) member.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Reverse order: jobs stop before the elector they depend on releases its lease.
    for (const member of [...this.members].reverse()) await member.stop();
  }
}

@Module({})
export class AppModule {
  static register(dataSource: DataSource, options: IdentityTokensOptions, signIn: SignInOptions, machine: MachineIdentityOptions, audit: AuditLogOptions, singletons: ServiceLifecycle[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [IdentityTokensModule.register(dataSource, options), IdentitySignInModule.register(signIn), MachineIdentityModule.register(machine), IdentityScimModule.register(), IdentityAuditModule.register(audit), IdentityAccessModule.register()],
      providers: [
        { provide: DataSourceCloser, useValue: new DataSourceCloser(dataSource) },
        { provide: ClusterSingletons, useValue: new ClusterSingletons(singletons) },
      ],
    };
  }
}
