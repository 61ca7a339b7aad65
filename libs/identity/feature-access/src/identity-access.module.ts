import { type DynamicModule, Module } from '@nestjs/common';
import { AccessActorService } from './access-actor.service';
import { AccessController } from './access.controller';
import { AccessApiPeerGuard } from './api-peer.guard';
import { OrganizationsService } from './organizations.service';
import { RolesService } from './roles.service';
import { StackGrantsService } from './stack-grants.service';
import { TeamsService } from './teams.service';

/**
 * Role-based access control in identity: organization settings, members, teams, custom roles and
 * stack grants, behind the api's Pulumi REST routes. Needs IdentityTokensModule (global) for the
 * database, principal resolution and the audit trail.
 */
@Module({})
export class IdentityAccessModule {
  static register(): DynamicModule {
    return {
      module: IdentityAccessModule,
      controllers: [AccessController],
      providers: [AccessApiPeerGuard, AccessActorService, OrganizationsService, TeamsService, RolesService, StackGrantsService],
    };
  }
}
