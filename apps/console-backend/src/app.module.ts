import { type DynamicModule, Module } from '@nestjs/common';

/** The console's backend: browser sign-in, and (when given) the web console's page, scripts and JSON. */
@Module({})
export class AppModule {
  static register(signIn: DynamicModule, app?: DynamicModule): DynamicModule {
    return { module: AppModule, imports: app ? [signIn, app] : [signIn] };
  }
}
