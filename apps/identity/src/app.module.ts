import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
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
  static register(dataSource: DataSource, options: IdentityTokensOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [IdentityTokensModule.register(dataSource, options)],
      providers: [{ provide: DataSourceCloser, useValue: new DataSourceCloser(dataSource) }],
    };
  }
}
