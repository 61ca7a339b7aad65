import { type DynamicModule, Module } from '@nestjs/common';

/** The console's backend: browser sign-in today; the web console's API arrives with its own issue. */
@Module({})
export class AppModule {
  static register(signIn: DynamicModule): DynamicModule {
    return { module: AppModule, imports: [signIn] };
  }
}
