import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { KeyProvider } from '@stackyard/secrets-domain';
import { SecretsKeysModule, type SecretsKeysOptions } from '@stackyard/secrets-feature-keys';

/** Closes the pool when Nest shuts down (SIGTERM or `close()`), after requests have drained. */
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class AppModule {
  static register(dataSource: DataSource, provider: KeyProvider, options: SecretsKeysOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [SecretsKeysModule.register(dataSource, provider, options)],
      providers: [{ provide: DataSourceCloser, useValue: new DataSourceCloser(dataSource) }],
    };
  }
}
