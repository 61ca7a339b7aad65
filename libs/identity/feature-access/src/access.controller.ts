import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type {
  AccessOperationRequest,
  IdentityAccessOperation,
  ListOrganizationMembersResponse,
  ListRolesResponse,
  ListTeamsResponse,
  MemberAccessResponse,
  OrganizationMemberResponse,
  OrganizationMetadataResponse,
  OrganizationResponse,
  RoleHoldersResponse,
  RoleRecordResponse,
  RoleScopesResponse,
  StackGrantsMovedRequest,
  StackTeamGrantsResponse,
  StackUserGrantsResponse,
  TeamResponse,
} from '@stackyard/shared-contracts';
import { AccessApiPeerGuard } from './api-peer.guard';
import { OrganizationsService } from './organizations.service';
import { RolesService } from './roles.service';
import { StackGrantsService } from './stack-grants.service';
import { TeamsService } from './teams.service';

/** The route of an access operation (`identityAccessPath` with the organization as a parameter). */
const op = (operation: IdentityAccessOperation) => `/internal/v1/orgs/:org/access/${operation}`;

/** Internal routes behind the api's organization, member, team, role and stack-grant endpoints (the api peer only). */
@Controller()
@UseGuards(AccessApiPeerGuard)
export class AccessController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly teams: TeamsService,
    private readonly roles: RolesService,
    private readonly grants: StackGrantsService,
  ) {}

  @Post(op('organization/get'))
  @HttpCode(200)
  organization(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<OrganizationResponse> {
    return this.organizations.get(org, body);
  }

  @Post(op('organization/metadata'))
  @HttpCode(200)
  metadata(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<OrganizationMetadataResponse> {
    return this.organizations.metadata(org, body);
  }

  @Post(op('organization/update'))
  @HttpCode(200)
  updateOrganization(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<OrganizationMetadataResponse> {
    return this.organizations.update(org, body);
  }

  @Post(op('members/list'))
  @HttpCode(200)
  listMembers(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<ListOrganizationMembersResponse> {
    return this.organizations.listMembers(org, body);
  }

  @Post(op('members/add'))
  @HttpCode(200)
  addMember(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<OrganizationMemberResponse> {
    return this.organizations.addMember(org, body);
  }

  @Post(op('members/update'))
  @HttpCode(204)
  updateMember(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.organizations.updateMember(org, body);
  }

  @Post(op('members/remove'))
  @HttpCode(204)
  removeMember(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.organizations.removeMember(org, body);
  }

  @Post('/internal/v1/orgs/:org/access/member')
  @HttpCode(200)
  memberAccess(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<MemberAccessResponse> {
    return this.organizations.memberAccess(org, body);
  }

  @Post(op('teams/list'))
  @HttpCode(200)
  listTeams(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<ListTeamsResponse> {
    return this.teams.list(org, body);
  }

  @Post(op('teams/create'))
  @HttpCode(200)
  createTeam(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<TeamResponse> {
    return this.teams.create(org, body);
  }

  @Post(op('teams/get'))
  @HttpCode(200)
  getTeam(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<TeamResponse> {
    return this.teams.get(org, body);
  }

  @Post(op('teams/update'))
  @HttpCode(204)
  updateTeam(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.teams.update(org, body);
  }

  @Post(op('teams/delete'))
  @HttpCode(204)
  deleteTeam(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.teams.delete(org, body);
  }

  @Post(op('teams/roles/list'))
  @HttpCode(200)
  listTeamRoles(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<ListRolesResponse> {
    return this.teams.listRoles(org, body);
  }

  @Post(op('teams/roles/add'))
  @HttpCode(204)
  assignTeamRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.teams.assignRole(org, body);
  }

  @Post(op('teams/roles/remove'))
  @HttpCode(204)
  removeTeamRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.teams.removeRole(org, body);
  }

  @Post(op('roles/list'))
  @HttpCode(200)
  listRoles(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<ListRolesResponse> {
    return this.roles.list(org, body);
  }

  @Post(op('roles/create'))
  @HttpCode(200)
  createRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<RoleRecordResponse> {
    return this.roles.create(org, body);
  }

  @Post(op('roles/get'))
  @HttpCode(200)
  getRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<RoleRecordResponse> {
    return this.roles.get(org, body);
  }

  @Post(op('roles/update'))
  @HttpCode(200)
  updateRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<RoleRecordResponse> {
    return this.roles.update(org, body);
  }

  @Post(op('roles/delete'))
  @HttpCode(204)
  deleteRole(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.roles.delete(org, body);
  }

  @Post(op('roles/scopes'))
  @HttpCode(200)
  roleScopes(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<RoleScopesResponse> {
    return this.roles.scopes(org, body);
  }

  @Post(op('roles/holders'))
  @HttpCode(200)
  roleHolders(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<RoleHoldersResponse> {
    return this.roles.holders(org, body);
  }

  @Post(op('stack-grants/teams/list'))
  @HttpCode(200)
  stackTeams(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<StackTeamGrantsResponse> {
    return this.grants.listTeams(org, body);
  }

  @Post(op('stack-grants/teams/set'))
  @HttpCode(204)
  setStackTeam(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.grants.setTeam(org, body);
  }

  @Post(op('stack-grants/users/list'))
  @HttpCode(200)
  stackUsers(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<StackUserGrantsResponse> {
    return this.grants.listUsers(org, body);
  }

  @Post(op('stack-grants/users/set'))
  @HttpCode(204)
  setStackUser(@Param('org') org: string, @Body() body: AccessOperationRequest): Promise<void> {
    return this.grants.setUser(org, body);
  }

  @Post('/internal/v1/orgs/:org/stack-grants/moved')
  @HttpCode(204)
  stackMoved(@Param('org') org: string, @Body() body: StackGrantsMovedRequest): Promise<void> {
    return this.grants.moved(org, body);
  }
}
