import { Controller, Get, Inject } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { MAX_DEPLOYMENT_VERSION } from '@stackyard/stacks-domain';
import type { CapabilitiesResponse, Capability, DefaultOrganizationResponse, Principal, ServiceUser } from '@stackyard/shared-contracts';
import { AboutCaller, Public } from './auth.decorators';
import { DEFAULT_CHECKPOINT_CUTOFF_BYTES } from './checkpoint-delta.service';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { CurrentPrincipal } from './stack-params';

/** Who am I, which organization is my default, and what this server supports. */
@Controller('api')
export class UserController {
  constructor(@Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings) {}

  @AboutCaller()
  @Get('user')
  user(@CurrentPrincipal() principal: Principal): ServiceUser {
    const user: ServiceUser = {
      id: principal.userId,
      githubLogin: principal.login,
      name: principal.name || principal.login,
      email: principal.email,
      avatarUrl: principal.avatarUrl,
      organizations: principal.organizations.map((o) => ({ name: o.name, githubLogin: o.name, avatarUrl: '', role: o.role })),
      identities: [],
      siteAdmin: principal.siteAdmin,
    };
    if (principal.token.kind !== 'personal') {
      user.tokenInfo = {
        name: principal.token.name,
        ...(principal.token.organization ? { organization: principal.token.organization } : {}),
        ...(principal.token.team ? { team: principal.token.team } : {}),
      };
    }
    return user;
  }

  @AboutCaller()
  @Get('user/organizations/default')
  defaultOrganization(@CurrentPrincipal() principal: Principal): DefaultOrganizationResponse {
    const org = principal.token.organization ?? principal.organizations[0]?.name;
    if (!org) throw ApiError.notFound('no default organization');
    return { GitHubLogin: org, Messages: [] };
  }

  /** Deliberately public: capability discovery reveals nothing about stacks or users. */
  @Public()
  @Get('capabilities')
  capabilities(): CapabilitiesResponse {
    const capabilities: Capability[] = [
      { capability: 'batch-encrypt' },
      // States are stored as the bytes the CLI sent (version, features and all), so version 4 with
      // `features` round-trips; without this the CLI downgrades to 3 and drops `features`.
      { capability: 'deployment-schema-version', version: 1, configuration: { version: MAX_DEPLOYMENT_VERSION } },
    ];
    if (this.settings.deltaCheckpoints) {
      capabilities.push({
        capability: 'delta-checkpoint-uploads-v2',
        version: 2,
        configuration: { checkpointCutoffSizeBytes: this.settings.checkpointCutoffBytes ?? DEFAULT_CHECKPOINT_CUTOFF_BYTES },
      });
    }
    return { capabilities };
  }
}
