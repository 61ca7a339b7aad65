import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { InternalClient } from '@stackyard/shared-http';
import type { ObjectStore } from '@stackyard/shared-storage';
import {
  CheckpointBaselineStore,
  CheckpointStore,
  JournalStore,
  OBJECT_KEYS,
  OBJECT_SEALING,
  OBJECT_STORE,
  type ObjectSealingOptions,
  StackObjects,
  StackRepository,
  StackVersionRepository,
  UpdateEventRepository,
  UpdateRepository,
} from '@stackyard/stacks-data-access';
import { AccessChangeInterceptor } from './access-change.interceptor';
import { ApiAuthGuard } from './api-auth.guard';
import { AuditRecorder } from './audit-recorder';
import { AuditLogsController } from './audit-logs.controller';
import { CheckpointDeltaService } from './checkpoint-delta.service';
import { JournalService } from './journal.service';
import { ObjectKeyService } from './object-key.service';
import { IDENTITY_CLIENT, PrincipalService } from './principal.service';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { SECRETS_CLIENT, SecretsGateway } from './secrets.client';
import { StackAccessService } from './stack-access.service';
import { StackGrantsGateway } from './stack-grants.gateway';
import { StackAccessController } from './stack-access.controller';
import { StackGrantsController } from './stack-grants.controller';
import { StackSecretsController } from './stack-secrets.controller';
import { StackSecretsService } from './stack-secrets.service';
import { StacksController } from './stacks.controller';
import { StacksService } from './stacks.service';
import { StateUploadGate } from './state-upload.gate';
import { UpdateEventsService } from './update-events.service';
import { UpdateLifecycleService } from './update-lifecycle.service';
import { UpdatesController } from './updates.controller';
import { UserController } from './user.controller';
import { AccessTokensController } from './access-tokens.controller';
import { MachineIdentityGateway } from './machine-identity.gateway';
import { OAuthTokenController } from './oauth-token.controller';
import { OAuthTokenService } from './oauth-token.service';
import { OidcIssuersController } from './oidc-issuers.controller';
import { ScimController, ScimTokenController } from './scim.controller';
import { ScimGateway } from './scim-gateway.service';
import { AccessGateway } from './access.gateway';
import { OrganizationsController } from './organizations.controller';
import { RolesController } from './roles.controller';
import { TeamsController } from './teams.controller';
import { OpenApiController } from './openapi/openapi.controller';

export interface StacksProtocolDependencies {
  dataSource: DataSource;
  objectStore: ObjectStore;
  identity: InternalClient;
  secrets: InternalClient;
  settings: ProtocolSettings;
}

/** The HTTP API the Pulumi CLI speaks. The app's composition root hands in the I/O it needs. */
@Module({})
export class StacksProtocolModule {
  static register(deps: StacksProtocolDependencies): DynamicModule {
    return {
      module: StacksProtocolModule,
      controllers: [UserController, StacksController, StackAccessController, StackGrantsController, UpdatesController, StackSecretsController, AccessTokensController, OidcIssuersController, OAuthTokenController, ScimController, ScimTokenController, AuditLogsController, OrganizationsController, TeamsController, RolesController, OpenApiController],
      providers: [
        { provide: DataSource, useValue: deps.dataSource },
        { provide: OBJECT_STORE, useValue: deps.objectStore },
        { provide: IDENTITY_CLIENT, useValue: deps.identity },
        { provide: SECRETS_CLIENT, useValue: deps.secrets },
        { provide: PROTOCOL_SETTINGS, useValue: deps.settings },
        { provide: OBJECT_SEALING, useValue: { seal: deps.settings.objectEncryption !== false } satisfies ObjectSealingOptions },
        { provide: OBJECT_KEYS, useExisting: ObjectKeyService },
        { provide: APP_GUARD, useClass: ApiAuthGuard },
        { provide: APP_INTERCEPTOR, useClass: AccessChangeInterceptor },
        StackRepository,
        UpdateRepository,
        UpdateEventRepository,
        StackVersionRepository,
        ObjectKeyService,
        StackObjects,
        CheckpointStore,
        CheckpointBaselineStore,
        CheckpointDeltaService,
        JournalStore,
        JournalService,
        PrincipalService,
        SecretsGateway,
        StackAccessService,
        StacksService,
        UpdateLifecycleService,
        UpdateEventsService,
        StackSecretsService,
        StateUploadGate,
        ScimGateway,
        MachineIdentityGateway,
        OAuthTokenService,
        AuditRecorder,
        StackGrantsGateway,
        AccessGateway,
      ],
    };
  }
}

/** Routes whose bodies the handlers read as raw bytes (large states are never parsed whole). */
export const RAW_BODY_ROUTES = [/\/update\/[^/]+\/checkpoint(?:verbatim|delta)?$/, /\/api\/stacks\/[^/]+\/[^/]+\/[^/]+\/import$/];

/** `PATCH …/journalentries` (parsed JSON, but with its own size limit: a 413 makes the CLI halve the batch). */
export const JOURNAL_ENTRIES_ROUTE = /^\/api\/stacks\/[^/]+\/[^/]+\/[^/]+\/update\/[^/]+\/journalentries$/;
