import { type DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail } from './audit-trail';
import { IdentityDatabase } from './identity.database';
import { IDENTITY_TOKENS_OPTIONS, type IdentityTokensOptions } from './identity-tokens.options';
import { PrincipalController } from './principal.controller';
import { PrincipalService } from './principal.service';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

/** Principal resolution and token administration over an initialized, migrated DataSource. */
@Module({})
export class IdentityTokensModule {
  static register(dataSource: DataSource, options: IdentityTokensOptions): DynamicModule {
    return {
      module: IdentityTokensModule,
      // The identity database and token minting are shared with the sign-in feature.
      global: true,
      exports: [IdentityDatabase, TokenService, PrincipalService, AuditTrail],
      controllers: [PrincipalController, TokenController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: IDENTITY_TOKENS_OPTIONS, useValue: options },
        IdentityDatabase,
        AuditTrail,
        PrincipalService,
        TokenService,
      ],
    };
  }
}
