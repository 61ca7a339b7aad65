import { type DynamicModule, Module } from '@nestjs/common';
import { CliTokenService } from './cli-token.service';
import { DirectorySignInService } from './directory-sign-in.service';
import { SessionService } from './session.service';
import { SignInController } from './sign-in.controller';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';
import { UserProvisioningService } from './user-provisioning.service';

/**
 * Browser sign-in (through the console backend): directories, sessions, CLI login tokens. Needs
 * IdentityTokensModule (global) for the database and token minting.
 */
@Module({})
export class IdentitySignInModule {
  static register(options: SignInOptions): DynamicModule {
    return {
      module: IdentitySignInModule,
      controllers: [SignInController],
      providers: [{ provide: SIGN_IN_OPTIONS, useValue: options }, UserProvisioningService, SessionService, DirectorySignInService, CliTokenService],
    };
  }
}
