import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { IdentitySignInModule, type SignInOptions } from '@stackyard/identity-feature-sign-in';
import { IdentityTokensModule, type IdentityTokensOptions } from '@stackyard/identity-feature-tokens';

/** Closes the pool when Nest shuts down (SIGTERM or `close()`), after requests have drained. */
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class AppModule {
  static register(dataSource: DataSource, options: IdentityTokensOptions, signIn: SignInOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [IdentityTokensModule.register(dataSource, options), IdentitySignInModule.register(signIn)],
      providers: [{ provide: DataSourceCloser, useValue: new DataSourceCloser(dataSource) }],
    };
  }
}
