import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { builtInRoleOf, type ParsedRoleDefinition, parseRoleDescriptor, parseRoleHeader, parseSimpleRole, RoleDefinitionError, roleScopeCatalogue } from '@stackyard/identity-domain';
import { type CustomRoleEntity, IdentityDatabase, type MemberRow } from '@stackyard/identity-feature-tokens';
import type { AccessOperationRequest, ListRolesResponse, OrgRole, RoleHoldersResponse, RoleRecordResponse, RoleScopesResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { AccessActorService, type ActorContext } from './access-actor.service';
import { badRequest } from './organizations.service';
import { builtInRoleRecords, customRoleRecord, teamResponse, userInfo } from './responses';

/**
 * Custom roles (Pulumi's §3.5 `roles` routes): defined by Pulumi's descriptor tree or Stackyard's
 * simple form, stored as scopes and stack rules, listed with the built-in Admin and Member roles.
 * Changing roles needs `role:manage`; reading them, membership.
 */
/** Members read per page when listing who holds a built-in role. */
const HOLDERS_PAGE = 500;

@Injectable()
export class RolesService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: AccessActorService,
  ) {}

  async list(org: string, body: AccessOperationRequest): Promise<ListRolesResponse> {
    const ctx = await this.actors.context(org, body);
    // Only `role` records exist here (no permission sets or policies).
    if (body.uxPurpose !== undefined && body.uxPurpose !== '' && body.uxPurpose !== 'role') return { roles: [] };
    const repos = this.database.repositories;
    const [settings, custom] = await Promise.all([repos.accessControl.settingsOf([ctx.org.id]), repos.accessControl.listRoles(ctx.org.id)]);
    const current = settings.get(ctx.org.id);
    if (!current) throw new Error('settings not loaded');
    return { roles: [...builtInRoleRecords(ctx.org, current), ...custom.map(customRoleRecord)] };
  }

  async get(org: string, body: AccessOperationRequest): Promise<RoleRecordResponse> {
    const ctx = await this.actors.context(org, body);
    const builtIn = builtInRoleOf(String(body.roleId));
    if (builtIn) return (await this.list(org, body)).roles.find((r) => r.defaultIdentifier === builtIn) as RoleRecordResponse;
    return customRoleRecord(await this.role(ctx, body.roleId));
  }

  async create(org: string, body: AccessOperationRequest): Promise<RoleRecordResponse> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'role:manage');
    const header = badRequest(() => parseRoleHeader(body.request, true));
    const definition = this.definition(body);
    if (!definition) throw ApiError.badRequest('give the role a definition: details (a permission descriptor) or scopes and stackRules');
    const now = Date.now();
    const role: CustomRoleEntity = {
      id: randomUUID(),
      orgId: ctx.org.id,
      name: header.name as string,
      description: header.description ?? '',
      scopes: definition.parsed.scopes,
      stackRules: definition.parsed.stackRules,
      details: definition.details,
      version: 1,
      createdAt: now,
      modifiedAt: now,
    };
    await this.database.transaction(async (repos) => {
      if (await repos.accessControl.findRoleByName(ctx.org.id, role.name)) throw ApiError.conflict(`organization '${ctx.org.name}' already has a role named '${role.name}'`);
      await repos.accessControl.insertRole(role);
    });
    await this.actors.record(ctx, 'role_created', `Created role ${role.name} in organization ${ctx.org.name}`, { reqOrgAdmin: true });
    return customRoleRecord(role);
  }

  async update(org: string, body: AccessOperationRequest): Promise<RoleRecordResponse> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'role:manage');
    if (builtInRoleOf(String(body.roleId))) throw ApiError.badRequest('built-in roles cannot be changed; the member role follows the organization settings (PATCH /api/orgs/{org})');
    const header = badRequest(() => parseRoleHeader(body.request, false));
    const definition = this.definition(body);
    const updated = await this.database.transaction(async (repos) => {
      const role = await this.role(ctx, body.roleId);
      if (header.name !== undefined && header.name !== role.name && (await repos.accessControl.findRoleByName(ctx.org.id, header.name))) {
        throw ApiError.conflict(`organization '${ctx.org.name}' already has a role named '${header.name}'`);
      }
      const next: CustomRoleEntity = {
        ...role,
        name: header.name ?? role.name,
        description: header.description ?? role.description,
        ...(definition ? { scopes: definition.parsed.scopes, stackRules: definition.parsed.stackRules, details: definition.details } : {}),
        version: role.version + 1,
        modifiedAt: Date.now(),
      };
      await repos.accessControl.updateRole(next);
      return next;
    });
    await this.actors.record(ctx, 'role_updated', `Changed role ${updated.name} of organization ${ctx.org.name}`, { reqOrgAdmin: true });
    return customRoleRecord(updated);
  }

  async delete(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'role:manage');
    if (builtInRoleOf(String(body.roleId))) throw ApiError.badRequest('built-in roles cannot be deleted');
    const name = await this.database.transaction(async (repos) => {
      const role = await this.role(ctx, body.roleId);
      const holders = await repos.accessControl.roleHolders(ctx.org.id, role.id);
      const held = holders.users.length + holders.teams.length + holders.tokens.length;
      if (held > 0 && body.force !== true) {
        throw ApiError.conflict(
          `role '${role.name}' is held by ${holders.users.length} member(s), ${holders.teams.length} team(s) and ${holders.tokens.length} token(s); remove it from them first, or delete with force=true (members and tokens fall back to the built-in member role)`,
        );
      }
      await repos.accessControl.deleteRole(role.id);
      return role.name;
    });
    await this.actors.record(ctx, 'role_deleted', `Deleted role ${name} of organization ${ctx.org.name}`, { reqOrgAdmin: true });
  }

  async scopes(org: string, body: AccessOperationRequest): Promise<RoleScopesResponse> {
    await this.actors.context(org, body);
    return roleScopeCatalogue();
  }

  async holders(org: string, body: AccessOperationRequest): Promise<RoleHoldersResponse> {
    const ctx = await this.actors.context(org, body);
    const builtIn = typeof body.roleId === 'string' ? builtInRoleOf(body.roleId) : null;
    if (builtIn !== null) return this.builtInHolders(ctx, builtIn, body.holders);
    const role = await this.role(ctx, body.roleId);
    const holders = await this.database.repositories.accessControl.roleHolders(ctx.org.id, role.id);
    switch (body.holders) {
      case 'users':
        return { users: holders.users.map(userInfo) };
      case 'teams':
        return { teams: holders.teams.map((t) => teamResponse(t, 'none')) };
      case 'tokens':
        return { tokens: holders.tokens.map((t) => ({ id: t.id, name: t.name, description: t.description })) };
      case undefined:
      default:
        throw ApiError.badRequest('holders must be users, teams or tokens');
    }
  }

  /**
   * Who holds a built-in role (as `GET …/roles` lists its id): members on it without a custom role
   * of their own, and organization tokens (admin ones hold Admin, the rest Member unless they act
   * with a custom role). Teams hold custom roles only.
   */
  private async builtInHolders(ctx: ActorContext, role: OrgRole, holders: AccessOperationRequest['holders']): Promise<RoleHoldersResponse> {
    const repos = this.database.repositories;
    switch (holders) {
      case 'users': {
        const users: MemberRow[] = [];
        for (let after: string | null = null; ; ) {
          const page = await repos.memberships.listPage(ctx.org.id, after, HOLDERS_PAGE);
          users.push(...page.filter((m) => m.role === role && m.roleId === null));
          const last = page.at(-1);
          if (page.length < HOLDERS_PAGE || !last) break;
          after = last.login;
        }
        return { users: users.map(userInfo) };
      }
      case 'teams':
        return { teams: [] };
      case 'tokens': {
        const tokens = await repos.tokens.list({ kind: 'organization', orgId: ctx.org.id }, { includeExpired: false, now: Date.now() });
        return { tokens: tokens.filter((t) => (t.admin === true) === (role === 'admin') && !t.roleId).map((t) => ({ id: t.id, name: t.name, description: t.description })) };
      }
      case undefined:
      default:
        throw ApiError.badRequest('holders must be users, teams or tokens');
    }
  }

  private async role(ctx: ActorContext, roleId: unknown): Promise<CustomRoleEntity> {
    const role = typeof roleId === 'string' && roleId.length <= 64 ? await this.database.repositories.accessControl.findRole(ctx.org.id, roleId) : null;
    if (!role) throw ApiError.notFound(`Role '${typeof roleId === 'string' ? roleId.slice(0, 64) : ''}' not found in organization '${ctx.org.name}'`);
    return role;
  }

  /** The definition the request carries (descriptor tree, or simple form), or null when it carries none. */
  private definition(body: AccessOperationRequest): { parsed: ParsedRoleDefinition; details: object | null } | null {
    const request = (typeof body.request === 'object' && body.request !== null ? body.request : {}) as Record<string, unknown>;
    const names = body.stackNames ?? {};
    try {
      if (request['details'] !== undefined && request['details'] !== null) {
        return { parsed: parseRoleDescriptor(request['details'], (id) => (Object.prototype.hasOwnProperty.call(names, id) ? names[id] : undefined)), details: request['details'] };
      }
      if (request['scopes'] !== undefined || request['stackRules'] !== undefined) return { parsed: parseSimpleRole(request), details: null };
      return null;
    } catch (error) {
      if (error instanceof RoleDefinitionError) throw ApiError.badRequest(error.message);
      throw error;
    }
  }
}
