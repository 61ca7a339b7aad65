import { type DynamicModule, Module } from '@nestjs/common';
import { CliTokenService } from './cli-token.service';
import { ConsoleApiTokenController } from './console-api-token.controller';
import { ConsoleApiTokenService } from './console-api-token.service';
import { DirectorySignInService } from './directory-sign-in.service';
import { OAuthController } from './oauth.controller';
import { OAuthSignInService } from './oauth-sign-in.service';
import { SamlController } from './saml.controller';
import { SamlConfigService } from './saml-config.service';
import { SamlSignInService } from './saml-sign-in.service';
import { SessionService } from './session.service';
import { SignInController } from './sign-in.controller';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';
import { UserProvisioningService } from './user-provisioning.service';

/**
 * Browser sign-in (through the console backend): directories, SAML per organization, sessions,
 * CLI login tokens. Needs IdentityTokensModule (global) for the database and token minting.
 */
@Module({})
export class IdentitySignInModule {
  static register(options: SignInOptions): DynamicModule {
    return {
      module: IdentitySignInModule,
      controllers: [SignInController, SamlController, OAuthController, ConsoleApiTokenController],
      providers: [
        { provide: SIGN_IN_OPTIONS, useValue: options },
        UserProvisioningService,
        SessionService,
        DirectorySignInService,
        CliTokenService,
        ConsoleApiTokenService,
        SamlConfigService,
        SamlSignInService,
        OAuthSignInService,
      ],
    };
  }
}
