import { type DynamicModule, Module } from '@nestjs/common';
import { CONSOLE_SIGN_IN_SETTINGS, type ConsoleSignInSettings, ConsoleSessionService, IDENTITY_CLIENT, type IdentityCaller, IdentityGateway } from '@stackyard/console-feature-sign-in';
import { API_CALLER, type ApiCaller } from './api.client';
import { ConsoleOrgController, ConsoleStackSettingsController } from './console-admin.controller';
import { ConsoleApiController } from './console-api.controller';
import { ConsoleApiService } from './console-api.service';
import { MAX_UPDATE_STREAMS_PER_SESSION, UpdateStreamLimiter } from './update-stream';
import { ConsoleMachineTokensController } from './console-machine-tokens.controller';
import { ConsoleMachineTokensService } from './console-machine-tokens.service';
import { ConsoleOrgService } from './console-org.service';
import { ConsoleOrgSettingsController } from './console-org-settings.controller';
import { ConsoleOrgSettingsService } from './console-org-settings.service';
import { ConsoleStackSettingsService } from './console-stack-settings.service';
import { ConsoleAssets } from './console-web';
import { CONSOLE_ASSETS, ConsoleWebController } from './console-web.controller';
import { CONSOLE_STYLESHEET } from './console-stylesheet';
import { SessionApiTokens } from './session-api-token.cache';

export interface ConsoleAppDependencies {
  identity: IdentityCaller;
  api: ApiCaller;
  settings: ConsoleSignInSettings;
  /** Where the compiled scripts are (dist/apps/console-backend/web). */
  webDir: string;
}

/** The web console: its single page and scripts, and the JSON they read (from the api, as the signed-in person). */
@Module({})
export class ConsoleAppModule {
  static register(deps: ConsoleAppDependencies): DynamicModule {
    return {
      module: ConsoleAppModule,
      controllers: [ConsoleApiController, ConsoleOrgController, ConsoleStackSettingsController, ConsoleMachineTokensController, ConsoleOrgSettingsController, ConsoleWebController],
      providers: [
        { provide: IDENTITY_CLIENT, useValue: deps.identity },
        { provide: CONSOLE_SIGN_IN_SETTINGS, useValue: deps.settings },
        { provide: API_CALLER, useValue: deps.api },
        { provide: CONSOLE_ASSETS, useValue: new ConsoleAssets(deps.webDir, CONSOLE_STYLESHEET) },
        IdentityGateway,
        ConsoleSessionService,
        SessionApiTokens,
        ConsoleApiService,
        { provide: UpdateStreamLimiter, useValue: new UpdateStreamLimiter(MAX_UPDATE_STREAMS_PER_SESSION) },
        ConsoleOrgService,
        ConsoleStackSettingsService,
        ConsoleMachineTokensService,
        ConsoleOrgSettingsService,
      ],
    };
  }
}
