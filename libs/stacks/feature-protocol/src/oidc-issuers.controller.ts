import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { DecidedByIdentity } from './auth.decorators';
import {
  type AuthPolicyResponse,
  IDENTITY_OIDC_ISSUERS_DELETE_PATH,
  IDENTITY_OIDC_ISSUERS_GET_PATH,
  IDENTITY_OIDC_ISSUERS_LIST_PATH,
  IDENTITY_OIDC_ISSUERS_REGISTER_PATH,
  IDENTITY_OIDC_ISSUERS_UPDATE_PATH,
  IDENTITY_OIDC_POLICY_GET_PATH,
  IDENTITY_OIDC_POLICY_UPDATE_PATH,
  type ListOidcIssuersResponse,
  type OidcIssuerResponse,
} from '@stackyard/shared-contracts';
import { MachineIdentityGateway } from './machine-identity.gateway';
import type { AuthenticatedRequest } from './request-context';

/**
 * Pulumi's REST routes for an organization's trusted OIDC issuers and their authorization
 * policies (pulumi-cloud-selfhosted.md §3.5); organization admins only, checked by identity.
 */
@Controller('api/orgs/:org')
@DecidedByIdentity()
export class OidcIssuersController {
  constructor(private readonly gateway: MachineIdentityGateway) {}

  @Get('oidc/issuers')
  list(@Req() req: AuthenticatedRequest, @Param('org') org: string): Promise<ListOidcIssuersResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_ISSUERS_LIST_PATH, { organization: org });
  }

  @Post('oidc/issuers')
  @HttpCode(200)
  register(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Body() body: unknown): Promise<OidcIssuerResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_ISSUERS_REGISTER_PATH, { organization: org, request: body ?? {} });
  }

  @Get('oidc/issuers/:issuerId')
  get(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('issuerId') issuerId: string): Promise<OidcIssuerResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_ISSUERS_GET_PATH, { organization: org, issuerId });
  }

  @Patch('oidc/issuers/:issuerId')
  update(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('issuerId') issuerId: string, @Body() body: unknown): Promise<OidcIssuerResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_ISSUERS_UPDATE_PATH, { organization: org, issuerId, request: body ?? {} });
  }

  @Delete('oidc/issuers/:issuerId')
  @HttpCode(204)
  async delete(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('issuerId') issuerId: string): Promise<void> {
    await this.gateway.forward<unknown>(req, IDENTITY_OIDC_ISSUERS_DELETE_PATH, { organization: org, issuerId });
  }

  @Get('auth/policies/oidcissuers/:issuerId')
  policy(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('issuerId') issuerId: string): Promise<AuthPolicyResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_POLICY_GET_PATH, { organization: org, issuerId });
  }

  @Patch('auth/policies/:policyId')
  updatePolicy(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('policyId') policyId: string, @Body() body: unknown): Promise<AuthPolicyResponse> {
    return this.gateway.forward(req, IDENTITY_OIDC_POLICY_UPDATE_PATH, { organization: org, policyId, request: body ?? {} });
  }
}
