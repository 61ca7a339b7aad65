import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { builtInRoleOf, parseCreateTeam, parseTeamUpdate, type TeamUpdate } from '@stackyard/identity-domain';
import { IdentityDatabase, type IdentityRepositories, type TeamEntity } from '@stackyard/identity-feature-tokens';
import { decideOrganization, levelName, organizationAccessOf } from '@stackyard/shared-access';
import type { AccessOperationRequest, ListRolesResponse, ListTeamsResponse, TeamResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { AccessActorService, type ActorContext, enforce } from './access-actor.service';
import { badRequest } from './organizations.service';
import { customRoleRecord, teamResponse } from './responses';

/**
 * Teams of an organization (Pulumi's §3.4 routes): their details, members and team admins, stack
 * permissions and assigned roles. Creating a team needs `team:create` (its creator becomes its
 * admin); changing one needs `team:manage` or being its admin; deleting one `team:manage`;
 * assigning roles `role:manage` and `team:manage` (team admins cannot give their team a role).
 */
@Injectable()
export class TeamsService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: AccessActorService,
  ) {}

  async list(org: string, body: AccessOperationRequest): Promise<ListTeamsResponse> {
    const ctx = await this.actors.context(org, body);
    const teams = await this.database.repositories.teams.listOf(ctx.org.id);
    return { teams: teams.map((t) => teamResponse(t, this.userRole(ctx, t))) };
  }

  async create(org: string, body: AccessOperationRequest): Promise<TeamResponse> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'team:create');
    const request = badRequest(() => parseCreateTeam(body.request, ctx.org.name));
    const team = await this.database.transaction(async (repos) => {
      if (await repos.teams.findByName(ctx.org.id, request.name)) throw ApiError.conflict(`organization '${ctx.org.name}' already has a team named '${request.name}'`);
      const now = Date.now();
      const created: TeamEntity = { id: randomUUID(), orgId: ctx.org.id, name: request.name, displayName: request.displayName, description: request.description, kind: 'pulumi', createdAt: now };
      await repos.teams.insert(created);
      // The person who creates a team is its first admin (a token has no one to make admin).
      if (ctx.actor.userId !== '') {
        await repos.teams.addManualMember(created.id, ctx.actor.userId, now);
        await repos.accessControl.setTeamAdmin(created.id, ctx.actor.userId, true, now);
      }
      return created;
    });
    await this.actors.record(ctx, 'team_created', `Created team ${team.name} in organization ${ctx.org.name}`);
    // The caller was resolved before the team existed: a person who creates a team is its admin.
    return { ...(await this.detail(this.database.repositories, ctx, team)), userRole: ctx.actor.userId !== '' ? 'admin' : 'none' };
  }

  async get(org: string, body: AccessOperationRequest): Promise<TeamResponse> {
    const ctx = await this.actors.context(org, body);
    const team = await this.actors.team(ctx, body.team);
    return this.detail(this.database.repositories, ctx, team);
  }

  async update(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    // Decide before looking up: a member without the right learns nothing about which teams exist.
    this.actors.requireTeam(ctx, typeof body.team === 'string' ? body.team : '');
    const team = await this.actors.team(ctx, body.team);
    const update = badRequest(() => parseTeamUpdate(body.request));
    const event = await this.database.transaction((repos) => this.apply(repos, ctx, team, update));
    if (event) await this.actors.record(ctx, event.event, event.description);
  }

  async delete(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'team:manage');
    const team = await this.actors.team(ctx, body.team);
    await this.database.transaction((repos) => repos.teams.delete(team.id));
    await this.actors.record(ctx, 'team_deleted', `Deleted team ${team.name} of organization ${ctx.org.name}`);
  }

  async listRoles(org: string, body: AccessOperationRequest): Promise<ListRolesResponse> {
    const ctx = await this.actors.context(org, body);
    const team = await this.actors.team(ctx, body.team);
    const repos = this.database.repositories;
    const roles = await repos.accessControl.rolesByIds((await repos.accessControl.teamRolesOf([team.id])).map((r) => r.roleId));
    return { roles: roles.sort((a, b) => a.name.localeCompare(b.name)).map(customRoleRecord) };
  }

  async assignRole(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    const team = await this.actors.team(ctx, body.team);
    this.requireRoleAssignment(ctx);
    const roleId = typeof body.roleId === 'string' ? body.roleId : '';
    if (builtInRoleOf(roleId)) throw ApiError.badRequest('built-in roles are not assigned to teams; assign a custom role');
    const name = await this.database.transaction(async (repos) => {
      const role = roleId.length <= 64 ? await repos.accessControl.findRole(ctx.org.id, roleId) : null;
      if (!role) throw ApiError.notFound(`Role '${roleId.slice(0, 64)}' not found in organization '${ctx.org.name}'`);
      return (await repos.accessControl.assignTeamRole(team.id, role.id, Date.now())) ? role.name : null;
    });
    if (name) await this.actors.record(ctx, 'team_role_assigned', `Assigned role ${name} to team ${team.name} of organization ${ctx.org.name}`);
  }

  async removeRole(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    const team = await this.actors.team(ctx, body.team);
    this.requireRoleAssignment(ctx);
    const roleId = typeof body.roleId === 'string' ? body.roleId.slice(0, 64) : '';
    const removed = await this.database.transaction((repos) => repos.accessControl.removeTeamRole(team.id, roleId));
    if (!removed) throw ApiError.notFound(`team '${team.name}' does not have role '${roleId}'`);
    await this.actors.record(ctx, 'team_role_removed', `Removed role ${roleId} from team ${team.name} of organization ${ctx.org.name}`);
  }

  private requireRoleAssignment(ctx: ActorContext): void {
    enforce(decideOrganization(ctx.actor, ctx.org.name, 'role:manage'));
    enforce(decideOrganization(ctx.actor, ctx.org.name, 'team:manage'));
  }

  private userRole(ctx: ActorContext, team: TeamEntity): TeamResponse['userRole'] {
    if (organizationAccessOf(ctx.actor, ctx.org.name)?.teamsAdministered.includes(team.name)) return 'admin';
    return ctx.actor.teams.some((t) => t.organization === ctx.org.name && t.team === team.name) ? 'member' : 'none';
  }

  private async detail(repos: IdentityRepositories, ctx: ActorContext, team: TeamEntity): Promise<TeamResponse> {
    const [members, admins, grants, roles] = await Promise.all([
      repos.teams.membersOf([team.id]),
      repos.accessControl.adminsOf([team.id]),
      repos.accessControl.teamGrantsOf([team.id]),
      repos.accessControl.teamRolesOf([team.id]),
    ]);
    return teamResponse(team, this.userRole(ctx, team), {
      members: members.get(team.id) ?? [],
      adminIds: new Set(admins.map((a) => a.userId)),
      stacks: grants.map((g) => ({ project: g.project, stack: g.stack, permission: Number(g.permission) as 101 })),
      roleIds: roles.map((r) => r.roleId),
    });
  }

  /** One team operation; the audit event it makes, or null when nothing changed. */
  private async apply(repos: IdentityRepositories, ctx: ActorContext, team: TeamEntity, update: TeamUpdate): Promise<{ event: string; description: string } | null> {
    const where = `team ${team.name} of organization ${ctx.org.name}`;
    const now = Date.now();
    switch (update.kind) {
      case 'details': {
        await repos.teams.update(team.id, { displayName: update.displayName ?? team.displayName, description: update.description ?? team.description });
        return { event: 'team_updated', description: `Changed the ${[update.displayName !== undefined ? 'display name' : '', update.description !== undefined ? 'description' : ''].filter(Boolean).join(' and ')} of ${where}` };
      }
      case 'member': {
        if (team.kind === 'scim' && (update.action === 'add' || update.action === 'remove')) throw ApiError.badRequest(`the members of ${where} come from the identity provider (SCIM); change them there`);
        const user = await repos.users.findByLogin(update.member);
        if (!user || !(await repos.memberships.find(ctx.org.id, user.id))) throw ApiError.badRequest(`'${update.member}' is not a member of organization '${ctx.org.name}'`);
        const isMember = await repos.teams.isMember(team.id, user.id);
        switch (update.action) {
          case 'add':
            if (isMember) throw ApiError.conflict(`'${user.login}' is already a member of ${where}`);
            await repos.teams.addManualMember(team.id, user.id, now);
            return { event: 'team_member_added', description: `Added ${user.login} to ${where}` };
          case 'remove':
            if (!isMember) throw ApiError.notFound(`'${user.login}' is not a member of ${where}`);
            await repos.teams.removeMember(team.id, user.id);
            await repos.accessControl.setTeamAdmin(team.id, user.id, false, now);
            return { event: 'team_member_removed', description: `Removed ${user.login} from ${where}` };
          case 'promote':
          case 'demote': {
            if (!isMember) throw ApiError.badRequest(`'${user.login}' is not a member of ${where}`);
            const changed = await repos.accessControl.setTeamAdmin(team.id, user.id, update.action === 'promote', now);
            if (!changed) return null;
            return update.action === 'promote' ? { event: 'team_admin_added', description: `Made ${user.login} an admin of ${where}` } : { event: 'team_admin_removed', description: `${user.login} is no longer an admin of ${where}` };
          }
        }
        break;
      }
      case 'add-stack':
      case 'edit-stack': {
        const name = { project: update.stack.projectName, stack: update.stack.stackName };
        const stack = `${name.project}/${name.stack}`;
        if (update.kind === 'edit-stack' && !(await repos.accessControl.findTeamGrant(team.id, name))) throw ApiError.notFound(`${where} has no permission on stack '${stack}'`);
        const previous = await repos.accessControl.setTeamGrant(ctx.org.id, team.id, name, update.permission, now);
        if (previous === update.permission) return null;
        return previous === 0
          ? { event: 'team_stack_permission_added', description: `Gave ${where} ${levelName(update.permission)} on stack ${ctx.org.name}/${stack}` }
          : { event: 'team_stack_permission_changed', description: `Changed the permission of ${where} on stack ${ctx.org.name}/${stack} from ${levelName(previous as 101)} to ${levelName(update.permission)}` };
      }
      case 'remove-stack': {
        const name = { project: update.stack.projectName, stack: update.stack.stackName };
        if (!(await repos.accessControl.removeTeamGrant(team.id, name))) throw ApiError.notFound(`${where} has no permission on stack '${name.project}/${name.stack}'`);
        return { event: 'team_stack_permission_removed', description: `Removed the permission of ${where} on stack ${ctx.org.name}/${name.project}/${name.stack}` };
      }
    }
    return null;
  }
}
