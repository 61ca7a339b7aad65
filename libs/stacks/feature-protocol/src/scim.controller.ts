import type { ServerResponse } from 'node:http';
import { All, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  type ApiCreateScimTokenResponse,
  type CreateScimTokenRequest,
  type CreateScimTokenResponse,
  identityScimTokenPath,
  type Principal,
  type ScimTokenStatusResponse,
} from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import { Public, RequiresOrganization } from './auth.decorators';
import { IDENTITY_CLIENT } from './principal.service';
import type { AuthenticatedRequest } from './request-context';
import { ScimErrorFilter } from './scim-error.filter';
import { publicOrigin, ScimGateway } from './scim-gateway.service';
import { CurrentPrincipal } from './stack-params';

/**
 * SCIM 2.0 at Pulumi's path, `/scim/v2/{org}/…`. Public to the api's token guard on purpose: the
 * SCIM bearer token is checked by identity (it is not an access token), and every answer —
 * refusals included — is SCIM's, with `application/scim+json`.
 */
@Controller()
@UseFilters(ScimErrorFilter)
export class ScimController {
  constructor(private readonly gateway: ScimGateway) {}

  @Public()
  @All(['scim/v2/:org', 'scim/v2/:org/*path'])
  relay(@Req() req: AuthenticatedRequest, @Res() res: ServerResponse): Promise<void> {
    return this.gateway.relay(req, res);
  }
}

/**
 * An organization admin's SCIM token (access token auth, org role `admin`): `POST` creates it
 * (rotating: the previous one stops working at once) and shows it once, `GET` says whether one is
 * live and when it was last used, `DELETE` revokes it.
 */
/** The guard decides `sso:manage` (admins, or a custom role granting it); identity records who acted. */
@Controller('api/orgs/:org/scim/token')
@RequiresOrganization('sso:manage')
export class ScimTokenController {
  constructor(@Inject(IDENTITY_CLIENT) private readonly identity: InternalClient) {}

  @Post()
  @HttpCode(201)
  async create(@Param('org') org: string, @CurrentPrincipal() principal: Principal, @Req() req: AuthenticatedRequest): Promise<ApiCreateScimTokenResponse> {
    const actor = principal.login;
    const created = await this.identity.post<CreateScimTokenResponse>(identityScimTokenPath(org), { actor } satisfies CreateScimTokenRequest, req.requestId);
    return { ...created, scimBaseUrl: `${publicOrigin(req)}/scim/v2/${encodeURIComponent(created.organization)}` };
  }

  @Get()
  status(@Param('org') org: string, @Req() req: AuthenticatedRequest): Promise<ScimTokenStatusResponse> {
    return this.identity.get<ScimTokenStatusResponse>(identityScimTokenPath(org), req.requestId);
  }

  @Delete()
  @HttpCode(204)
  async revoke(@Param('org') org: string, @CurrentPrincipal() principal: Principal, @Req() req: AuthenticatedRequest): Promise<void> {
    const actor = principal.login;
    await this.identity.call<void>('DELETE', `${identityScimTokenPath(org)}?actor=${encodeURIComponent(actor)}`, undefined, req.requestId);
  }
}

