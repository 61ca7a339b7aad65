import { type DynamicModule, Module } from '@nestjs/common';
import { BrowserFormGuard } from './browser-form.guard';
import { CliLoginController } from './cli-login.controller';
import { CliLoginService } from './cli-login.service';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings } from './console-sign-in.settings';
import { ConsoleSessionService } from './console-session.service';
import { IDENTITY_CLIENT, type IdentityCaller, IdentityGateway } from './identity.gateway';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

export interface ConsoleSignInDependencies {
  identity: IdentityCaller;
  settings: ConsoleSignInSettings;
}

/** Posts whose form bodies these routes parse themselves: `startService` must hand them over raw. */
export const SIGN_IN_FORM_ROUTES: RegExp[] = [/^\/login\/directory\/[^/]+$/, /^\/logout$/];
/** A sign-in form is a few hundred bytes; nothing larger is read. */
export const MAX_SIGN_IN_FORM_BYTES = 16 * 1024;

/** Browser sign-in on the console host: pages, directory sign-in, sessions, sign-out, `pulumi login`. */
@Module({})
export class ConsoleSignInModule {
  static register(deps: ConsoleSignInDependencies): DynamicModule {
    return {
      module: ConsoleSignInModule,
      controllers: [SignInController, CliLoginController],
      providers: [
        { provide: IDENTITY_CLIENT, useValue: deps.identity },
        { provide: CONSOLE_SIGN_IN_SETTINGS, useValue: deps.settings },
        IdentityGateway,
        ConsoleSessionService,
        BrowserFormGuard,
        SignInService,
        CliLoginService,
      ],
    };
  }
}
