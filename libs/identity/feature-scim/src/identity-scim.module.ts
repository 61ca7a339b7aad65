import { type DynamicModule, Module } from '@nestjs/common';
import { SamlOrganizations } from './saml-organizations';
import { ScimAudit } from './scim-audit';
import { ScimController } from './scim.controller';
import { SCIM_OPTIONS, type ScimOptions } from './scim.options';
import { ScimGroupsService } from './scim-groups.service';
import { ScimRelayService } from './scim-relay.service';
import { ScimTokenService } from './scim-token.service';
import { ScimUsersService } from './scim-users.service';

/**
 * SCIM 2.0 provisioning of SAML organizations (Users → org-managed users, Groups → `scim` teams),
 * answered for the api. Needs IdentityTokensModule (global) for the database.
 */
@Module({})
export class IdentityScimModule {
  static register(options: ScimOptions = {}): DynamicModule {
    return {
      module: IdentityScimModule,
      controllers: [ScimController],
      providers: [{ provide: SCIM_OPTIONS, useValue: options }, SamlOrganizations, ScimAudit, ScimTokenService, ScimUsersService, ScimGroupsService, ScimRelayService],
    };
  }
}
