import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import type { ListOrganizationMembersResponse, OrganizationMemberResponse, OrganizationMetadataResponse, OrganizationResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { AccessGateway } from './access.gateway';
import { DecidedByIdentity } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';

/**
 * Pulumi's organization and member routes (pulumi-cloud-selfhosted.md §3.3) as the
 * `@pulumi/pulumiservice` provider calls them (provider/pkg/pulumiapi/members.go). Identity owns
 * memberships and decides; these handlers only forward.
 */
@Controller('api')
@DecidedByIdentity()
export class OrganizationsController {
  constructor(private readonly access: AccessGateway) {}

  @Get('orgs/:org')
  get(@Req() req: AuthenticatedRequest, @Param('org') org: string): Promise<OrganizationResponse> {
    return this.access.read(req, org, 'organization/get');
  }

  @Get('orgs/:org/metadata')
  metadata(@Req() req: AuthenticatedRequest, @Param('org') org: string): Promise<OrganizationMetadataResponse> {
    return this.access.read(req, org, 'organization/metadata');
  }

  /** `setDefaultStackPermission`, `setMembersCan…`: the organization's member settings. */
  @Patch('orgs/:org')
  update(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Body() body: unknown): Promise<OrganizationMetadataResponse> {
    return this.access.change(req, org, 'organization/update', { request: body ?? {} });
  }

  /**
   * `type=backend` (the identity provider's roster) and `type=frontend` (Pulumi's seats) are one
   * roster here: membership is Stackyard's own, so both answer the same members.
   */
  @Get('orgs/:org/members')
  members(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Query('type') type?: string, @Query('continuationToken') continuationToken?: string): Promise<ListOrganizationMembersResponse> {
    if (type !== undefined && type !== '' && type !== 'backend' && type !== 'frontend') throw ApiError.badRequest("type must be 'backend' or 'frontend'");
    return this.access.read(req, org, 'members/list', continuationToken ? { continuationToken } : {});
  }

  /** Answers the new member (Pulumi's `OrganizationMember`). */
  @Post('orgs/:org/members/:login')
  @HttpCode(200)
  addMember(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('login') login: string, @Body() body: unknown): Promise<OrganizationMemberResponse> {
    return this.access.change<OrganizationMemberResponse>(req, org, 'members/add', { login, request: body ?? {} });
  }

  /** `{role}` or `{fgaRoleId}` (a custom role's id, or a built-in role's as `GET …/roles` lists them). */
  @Patch('orgs/:org/members/:login')
  @HttpCode(204)
  async updateMember(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('login') login: string, @Body() body: unknown): Promise<void> {
    await this.access.change(req, org, 'members/update', { login, request: body ?? {} });
  }

  @Delete('orgs/:org/members/:login')
  @HttpCode(204)
  async removeMember(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('login') login: string): Promise<void> {
    await this.access.change(req, org, 'members/remove', { login });
  }
}
