import { type DynamicModule, Module } from '@nestjs/common';
import { AccessTokenAdminService } from './access-token-admin.service';
import { ActorService } from './actor.service';
import { ApiPeerGuard } from './api-peer.guard';
import { MachineIdentityController } from './machine-identity.controller';
import { MACHINE_IDENTITY_OPTIONS, type MachineIdentityOptions } from './machine-identity.options';
import { OidcIssuerService } from './oidc-issuer.service';
import { OidcKeySetService } from './oidc-key-set.service';
import { TokenExchangeService } from './token-exchange.service';

/**
 * Machine identity: personal, organization and team tokens through the REST API, trusted OIDC
 * issuers with their policies, and the OIDC token exchange. Needs IdentityTokensModule (global)
 * for the database and principal resolution.
 */
@Module({})
export class MachineIdentityModule {
  static register(options: MachineIdentityOptions): DynamicModule {
    return {
      module: MachineIdentityModule,
      controllers: [MachineIdentityController],
      providers: [
        { provide: MACHINE_IDENTITY_OPTIONS, useValue: options },
        ApiPeerGuard,
        ActorService,
        AccessTokenAdminService,
        OidcKeySetService,
        OidcIssuerService,
        TokenExchangeService,
      ],
    };
  }
}
