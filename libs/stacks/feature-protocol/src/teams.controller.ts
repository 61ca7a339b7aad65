import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { levelName, stackAccess } from '@stackyard/shared-access';
import type { ListRolesResponse, ListTeamsResponse, Principal, TeamResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { StackRepository } from '@stackyard/stacks-data-access';
import { AccessGateway } from './access.gateway';
import { DecidedByIdentity } from './auth.decorators';
import type { AuthenticatedRequest } from './request-context';
import { stackFacts } from './stack-access.service';

/**
 * Pulumi's team routes (pulumi-cloud-selfhosted.md §3.4) as the `@pulumi/pulumiservice` provider
 * calls them (provider/pkg/pulumiapi/teams.go, team_roles.go). Identity owns teams and decides;
 * the api adds what only it knows: whether a stack given to a team exists, and what the caller
 * holds on it.
 */
@Controller('api')
@DecidedByIdentity()
export class TeamsController {
  constructor(
    private readonly access: AccessGateway,
    private readonly stacks: StackRepository,
  ) {}

  @Get('orgs/:org/teams')
  list(@Req() req: AuthenticatedRequest, @Param('org') org: string): Promise<ListTeamsResponse> {
    return this.access.read(req, org, 'teams/list');
  }

  @Post('orgs/:org/teams/pulumi')
  @HttpCode(200)
  create(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Body() body: unknown): Promise<TeamResponse> {
    return this.access.change(req, org, 'teams/create', { request: body ?? {} });
  }

  @Post('orgs/:org/teams/github')
  github(): never {
    throw ApiError.badRequest('GitHub teams do not exist in Stackyard; create a Pulumi team (POST /api/orgs/{org}/teams/pulumi) or map identity-provider groups to teams');
  }

  @Get('orgs/:org/teams/:team')
  get(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string): Promise<TeamResponse> {
    return this.access.read(req, org, 'teams/get', { team });
  }

  /** One operation per call; giving a team a permission on a stack needs the stack to exist. */
  @Patch('orgs/:org/teams/:team')
  @HttpCode(204)
  async update(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Body() body: unknown): Promise<void> {
    await this.checkStackGiven(req, org, body);
    await this.access.change(req, org, 'teams/update', { team, request: body ?? {} });
  }

  @Delete('orgs/:org/teams/:team')
  @HttpCode(204)
  async delete(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string): Promise<void> {
    await this.access.change(req, org, 'teams/delete', { team });
  }

  @Get('orgs/:org/teams/:team/roles')
  roles(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string): Promise<ListRolesResponse> {
    return this.access.read(req, org, 'teams/roles/list', { team });
  }

  @Post('orgs/:org/teams/:team/roles/:roleId')
  @HttpCode(204)
  async assignRole(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Param('roleId') roleId: string): Promise<void> {
    await this.access.change(req, org, 'teams/roles/add', { team, roleId });
  }

  @Delete('orgs/:org/teams/:team/roles/:roleId')
  @HttpCode(204)
  async removeRole(@Req() req: AuthenticatedRequest, @Param('org') org: string, @Param('team') team: string, @Param('roleId') roleId: string): Promise<void> {
    await this.access.change(req, org, 'teams/roles/remove', { team, roleId });
  }

  /**
   * A stack given to a team (or its level changed) must exist, and nobody gives a team more than
   * they hold on that stack themselves — otherwise a team admin could raise their own team, and so
   * themselves, to Admin anywhere. Organization admins hold Admin on every stack, so for them this
   * is only the existence check. Whether the caller may manage the team at all is identity's call.
   */
  private async checkStackGiven(req: AuthenticatedRequest, org: string, body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null) return;
    const request = body as Record<string, unknown>;
    const named = request['addStackPermission'] ?? request['editStackPermission'];
    if (typeof named !== 'object' || named === null) return;
    const { projectName, stackName, permission } = named as Record<string, unknown>;
    // Malformed names and levels are identity's to refuse (400); a well-formed name must be a stack of the organization.
    if (typeof projectName !== 'string' || typeof stackName !== 'string' || projectName.length > 100 || stackName.length > 100) return;
    const name = `${org}/${projectName}/${stackName}`;
    const stack = await this.stacks.findByName(org, projectName, stackName);
    if (!stack) throw ApiError.notFound(`Stack '${name}' not found`);
    if (permission !== 101 && permission !== 102 && permission !== 103) return;
    const held = stackAccess(req.principal as Principal, stackFacts(stack));
    if (held.permission >= permission) return;
    // No access at all reads exactly like no stack (names do not leak).
    if (held.scopes.size === 0) throw ApiError.notFound(`Stack '${name}' not found`);
    const holds = held.permission === 0 ? 'limited access' : levelName(held.permission);
    throw ApiError.forbidden(`you have ${holds} on stack '${name}'; a team can be given at most the access you hold (${levelName(permission)} asked)`);
  }
}
