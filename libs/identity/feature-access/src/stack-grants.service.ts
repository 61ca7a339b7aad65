import { Injectable } from '@nestjs/common';
import { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { levelName } from '@stackyard/shared-access';
import type { AccessOperationRequest, GrantedStackPermission, StackGrantsMovedRequest, StackTeamGrantsResponse, StackUserGrantsResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { AccessActorService, type ActorContext } from './access-actor.service';
import { userInfo } from './responses';

const STACK_PART = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Grants on one stack, for the api's stack access routes (teams of a stack, and Pulumi's legacy
 * per-user "collaborators"). The api owns stacks and decides `stack:access` on the stack itself
 * before calling; identity checks that the caller belongs to the organization and that the team
 * or person named is the organization's.
 */
@Injectable()
export class StackGrantsService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: AccessActorService,
  ) {}

  async listTeams(org: string, body: AccessOperationRequest): Promise<StackTeamGrantsResponse> {
    const ctx = await this.actors.context(org, body);
    const name = stackName(body);
    const rows = await this.database.repositories.accessControl.teamGrantsOnStack(ctx.org.id, name);
    const callersTeams = new Set(ctx.actor.teams.filter((t) => t.organization === ctx.org.name).map((t) => t.team));
    return {
      projectName: name.project,
      teams: rows.map((r) => ({ name: r.name, displayName: r.displayName || r.name, description: r.description, permission: r.permission, isMember: callersTeams.has(r.name) })),
    };
  }

  async setTeam(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    const name = stackName(body);
    const permission = grantLevel(body.permission);
    const team = await this.actors.team(ctx, body.team);
    const where = `team ${team.name} of organization ${ctx.org.name}`;
    const stack = `${ctx.org.name}/${name.project}/${name.stack}`;
    const previous = await this.database.transaction(async (repos) => {
      if (permission === 0) return (await repos.accessControl.removeTeamGrant(team.id, name)) ? -1 : 0;
      return repos.accessControl.setTeamGrant(ctx.org.id, team.id, name, permission, Date.now());
    });
    if (permission === 0) {
      if (previous === -1) await this.actors.record(ctx, 'team_stack_permission_removed', `Removed the permission of ${where} on stack ${stack}`);
    } else if (previous === 0) await this.actors.record(ctx, 'team_stack_permission_added', `Gave ${where} ${levelName(permission)} on stack ${stack}`);
    else if (previous !== permission) await this.actors.record(ctx, 'team_stack_permission_changed', `Changed the permission of ${where} on stack ${stack} from ${levelName(previous as 101)} to ${levelName(permission)}`);
  }

  async listUsers(org: string, body: AccessOperationRequest): Promise<StackUserGrantsResponse> {
    const ctx = await this.actors.context(org, body);
    const rows = await this.database.repositories.accessControl.userGrantsOnStack(ctx.org.id, stackName(body));
    return { users: rows.map((r) => ({ user: userInfo(r), permission: r.permission })) };
  }

  async setUser(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    const name = stackName(body);
    const permission = grantLevel(body.permission);
    const login = typeof body.login === 'string' ? body.login.slice(0, 64) : '';
    const stack = `${ctx.org.name}/${name.project}/${name.stack}`;
    const previous = await this.database.transaction(async (repos) => {
      const user = login ? await repos.users.findByLogin(login) : null;
      if (!user || !(await repos.memberships.find(ctx.org.id, user.id))) throw ApiError.notFound(`'${login}' is not a member of organization '${ctx.org.name}'`);
      if (permission === 0) return (await repos.accessControl.removeUserGrant(ctx.org.id, user.id, name)) ? -1 : 0;
      return repos.accessControl.setUserGrant(ctx.org.id, user.id, name, permission, Date.now());
    });
    await this.recordUserGrant(ctx, login, stack, permission, previous);
  }

  /** A stack was renamed or left the organization (api peer only): its grants, and role rules naming it, follow or go. */
  async moved(org: string, body: StackGrantsMovedRequest): Promise<void> {
    const valid = (n: unknown): n is { project: string; stack: string } => typeof n === 'object' && n !== null && STACK_PART.test(String((n as { project?: unknown }).project)) && STACK_PART.test(String((n as { stack?: unknown }).stack));
    if (!valid(body?.from) || (body.to !== undefined && !valid(body.to))) throw ApiError.badRequest('from (and to, for a rename) must be {project, stack}');
    const organization = await this.database.repositories.organizations.findByName(org);
    if (!organization) return;
    const from = { project: body.from.project, stack: body.from.stack };
    const to = body.to ? { project: body.to.project, stack: body.to.stack } : undefined;
    await this.database.transaction(async (repos) => {
      await repos.accessControl.moveStackGrants(organization.id, from, to);
      for (const role of await repos.accessControl.listRoles(organization.id)) {
        const named = (r: (typeof role.stackRules)[number]) => r.target.kind === 'stack' && r.target.project === from.project && r.target.stack === from.stack;
        if (!role.stackRules.some(named)) continue;
        const stackRules = to ? role.stackRules.map((r) => (named(r) ? { ...r, target: { kind: 'stack' as const, ...to } } : r)) : role.stackRules.filter((r) => !named(r));
        await repos.accessControl.updateRole({ ...role, stackRules, modifiedAt: Date.now() });
      }
    });
  }

  private async recordUserGrant(ctx: ActorContext, login: string, stack: string, permission: 0 | GrantedStackPermission, previous: number): Promise<void> {
    if (permission === 0) {
      if (previous === -1) await this.actors.record(ctx, 'stack_collaborator_removed', `Removed ${login}'s own permission on stack ${stack}`);
    } else if (previous === 0) await this.actors.record(ctx, 'stack_collaborator_added', `Gave ${login} ${levelName(permission)} on stack ${stack}`);
    else if (previous !== permission) await this.actors.record(ctx, 'stack_collaborator_changed', `Changed ${login}'s own permission on stack ${stack} from ${levelName(previous as 101)} to ${levelName(permission)}`);
  }
}

function stackName(body: AccessOperationRequest): { project: string; stack: string } {
  if (typeof body.project !== 'string' || typeof body.stack !== 'string' || !STACK_PART.test(body.project) || !STACK_PART.test(body.stack)) throw ApiError.badRequest('project and stack must name a stack');
  return { project: body.project, stack: body.stack };
}

function grantLevel(value: unknown): 0 | GrantedStackPermission {
  if (value === 0 || value === 101 || value === 102 || value === 103) return value;
  throw ApiError.badRequest('permission must be 0 (none: remove), 101 (Read), 102 (Write) or 103 (Admin)');
}
