import { Injectable } from '@nestjs/common';
import { AccessRequestError, applySettingsUpdate, BUILT_IN_ROLE_IDS, builtInRoleOf, parseAddMember, parseUpdateMember } from '@stackyard/identity-domain';
import { IdentityDatabase, type IdentityRepositories, personalOrganizationAccess } from '@stackyard/identity-feature-tokens';
import { organizationAccessOf } from '@stackyard/shared-access';
import type {
  AccessOperationRequest,
  ListOrganizationMembersResponse,
  MemberAccessResponse,
  OrganizationMemberResponse,
  OrganizationMetadataResponse,
  OrganizationResponse,
  OrgRole,
} from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { AccessActorService, type ActorContext } from './access-actor.service';
import { memberResponse } from './responses';

/** Members per page of `GET /api/orgs/{org}/members` (Pulumi pages with `continuationToken`). */
export const MEMBERS_PAGE_SIZE = 100;

/** Turns a request problem into the 400 the caller sees. */
export function badRequest<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AccessRequestError) throw ApiError.badRequest(error.message);
    throw error;
  }
}

/**
 * The organization's member settings and its members (Pulumi's §3.3 routes). Built-in roles are
 * `admin` and `member`; a custom role replaces the member role (Pulumi's `fgaRoleId`). Only an
 * organization admin may make or unmake admins, and the organization always keeps one.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: AccessActorService,
  ) {}

  async get(org: string, body: AccessOperationRequest): Promise<OrganizationResponse> {
    const ctx = await this.actors.context(org, body);
    return { name: ctx.org.name, githubLogin: ctx.org.name, avatarUrl: '', backingIdentityProvider: 'pulumi', metadata: await this.snapshot(ctx) };
  }

  async metadata(org: string, body: AccessOperationRequest): Promise<OrganizationMetadataResponse> {
    return this.snapshot(await this.actors.context(org, body));
  }

  async update(org: string, body: AccessOperationRequest): Promise<OrganizationMetadataResponse> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'organization:settings');
    const changed = await this.database.transaction(async (repos) => {
      const current = (await repos.accessControl.settingsOf([ctx.org.id])).get(ctx.org.id);
      if (!current) throw new Error('settings not loaded');
      const update = badRequest(() => applySettingsUpdate(current, body.request));
      if (update.changed.length > 0) await repos.accessControl.saveSettings(ctx.org.id, update.settings, Date.now());
      return update.changed.map((name) => `${name}=${String(update.settings[name as keyof typeof update.settings])}`);
    });
    if (changed.length > 0) await this.actors.record(ctx, 'organization_settings_changed', `Changed the member settings of organization ${ctx.org.name}: ${changed.join(', ')}`, { reqOrgAdmin: true });
    return this.snapshot(ctx);
  }

  async listMembers(org: string, body: AccessOperationRequest): Promise<ListOrganizationMembersResponse> {
    const ctx = await this.actors.context(org, body);
    const after = decodeContinuation(body.continuationToken);
    const repos = this.database.repositories;
    const page = await repos.memberships.listPage(ctx.org.id, after, MEMBERS_PAGE_SIZE + 1);
    const shown = page.slice(0, MEMBERS_PAGE_SIZE);
    const roleIds = [...new Set(shown.flatMap((m) => (m.roleId ? [m.roleId] : [])))];
    const roles = new Map((await repos.accessControl.rolesByIds(roleIds)).map((r) => [r.id, r]));
    const last = shown.at(-1);
    return {
      members: shown.map((m) => memberResponse(m, roles, ctx.org)),
      ...(page.length > MEMBERS_PAGE_SIZE && last ? { continuationToken: Buffer.from(last.login, 'utf8').toString('base64url') } : {}),
    };
  }

  /** Answers the new member, as Pulumi's AddOrganizationMember does. */
  async addMember(org: string, body: AccessOperationRequest): Promise<OrganizationMemberResponse> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'member:manage');
    const role = badRequest(() => parseAddMember(body.request));
    if (role === 'admin') this.requireAdmin(ctx, 'make someone an admin');
    const member = await this.database.transaction(async (repos) => {
      const user = await this.user(repos, body.login);
      if (await repos.memberships.find(ctx.org.id, user.id)) throw ApiError.conflict(`'${user.login}' is already a member of organization '${ctx.org.name}'`);
      const createdAt = Date.now();
      await repos.memberships.insert({ orgId: ctx.org.id, userId: user.id, role, roleId: null, createdAt });
      return { userId: user.id, login: user.login, name: user.name, email: user.email, avatarUrl: user.avatarUrl, role, roleId: null, createdAt };
    });
    await this.actors.record(ctx, 'member_added', `Added ${member.login} to organization ${ctx.org.name} as ${role}`, { reqOrgAdmin: role === 'admin' });
    return memberResponse(member, new Map(), ctx.org);
  }

  async updateMember(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'member:manage');
    const requested = badRequest(() => parseUpdateMember(body.request));
    const builtIn = 'role' in requested ? requested.role : builtInRoleOf(requested.roleId);
    const result = await this.database.transaction(async (repos) => {
      const user = await this.user(repos, body.login);
      const membership = await repos.memberships.find(ctx.org.id, user.id);
      if (!membership) throw ApiError.notFound(`'${user.login}' is not a member of organization '${ctx.org.name}'`);
      let role: OrgRole = 'member';
      let roleId: string | null = null;
      let roleName: string;
      if (builtIn) {
        role = builtIn;
        roleName = builtIn;
      } else {
        const custom = 'roleId' in requested ? await repos.accessControl.findRole(ctx.org.id, requested.roleId) : null;
        if (!custom) throw ApiError.badRequest(`fgaRoleId: organization '${ctx.org.name}' has no role '${'roleId' in requested ? requested.roleId.slice(0, 64) : ''}'`);
        roleId = custom.id;
        roleName = `custom role ${custom.name}`;
      }
      if (role === 'admin' || membership.role === 'admin') this.requireAdmin(ctx, role === 'admin' ? 'make someone an admin' : "change an admin's role");
      if (membership.role === 'admin' && role !== 'admin' && (await repos.memberships.countAdmins(ctx.org.id)) <= 1) {
        throw ApiError.badRequest(`'${user.login}' is the last admin of organization '${ctx.org.name}'; make someone else an admin first`);
      }
      if (membership.role === role && (membership.roleId ?? null) === roleId) return null;
      await repos.memberships.setRoles(ctx.org.id, user.id, role, roleId);
      return { login: user.login, from: membership.roleId ? 'a custom role' : membership.role, to: roleName };
    });
    if (result) await this.actors.record(ctx, 'member_role_changed', `Changed the role of ${result.login} in organization ${ctx.org.name} from ${result.from} to ${result.to}`, { reqOrgAdmin: true });
  }

  async removeMember(org: string, body: AccessOperationRequest): Promise<void> {
    const ctx = await this.actors.context(org, body);
    this.actors.require(ctx, 'member:manage');
    const login = await this.database.transaction(async (repos) => {
      const user = await this.user(repos, body.login);
      const membership = await repos.memberships.find(ctx.org.id, user.id);
      if (!membership) throw ApiError.notFound(`'${user.login}' is not a member of organization '${ctx.org.name}'`);
      if (membership.role === 'admin') {
        this.requireAdmin(ctx, 'remove an admin');
        if ((await repos.memberships.countAdmins(ctx.org.id)) <= 1) throw ApiError.badRequest(`'${user.login}' is the last admin of organization '${ctx.org.name}'; an organization must keep at least one admin`);
      }
      // Their teams, team admin rights and own stack grants in this organization go with them.
      await repos.accessControl.removeTeamAdminsIn(ctx.org.id, user.id);
      await repos.teams.removeFromOrganization(ctx.org.id, user.id);
      await repos.accessControl.removeUserGrantsIn(ctx.org.id, user.id);
      await repos.memberships.delete(ctx.org.id, user.id);
      return user.login;
    });
    await this.actors.record(ctx, 'member_removed', `Removed ${login} from organization ${ctx.org.name}`, { reqOrgAdmin: true });
  }

  /** A member's access profile (for explaining their access): any member may ask. */
  async memberAccess(org: string, body: AccessOperationRequest): Promise<MemberAccessResponse> {
    const ctx = await this.actors.context(org, body);
    const repos = this.database.repositories;
    const user = await this.user(repos, body.login);
    const membership = (await repos.memberships.membershipsOf(user.id)).find((m) => m.orgId === ctx.org.id);
    if (!membership) throw ApiError.notFound(`'${user.login}' is not a member of organization '${ctx.org.name}'`);
    const teams = (await repos.teams.teamRowsOf(user.id)).filter((t) => t.orgId === ctx.org.id);
    const [access] = await personalOrganizationAccess(repos, user.id, [membership], teams);
    return { login: user.login, access };
  }

  private async snapshot(ctx: ActorContext): Promise<OrganizationMetadataResponse> {
    const repos = this.database.repositories;
    const [settings, memberCount] = await Promise.all([repos.accessControl.settingsOf([ctx.org.id]), repos.memberships.count(ctx.org.id)]);
    const current = settings.get(ctx.org.id);
    if (!current) throw new Error('settings not loaded');
    return { ...current, memberCount, defaultRoleId: BUILT_IN_ROLE_IDS.member };
  }

  private requireAdmin(ctx: ActorContext, what: string): void {
    if (organizationAccessOf(ctx.actor, ctx.org.name)?.role !== 'admin') throw ApiError.forbidden(`only admins of organization '${ctx.org.name}' may ${what}`);
  }

  private async user(repos: IdentityRepositories, login: unknown) {
    const user = typeof login === 'string' && login.length > 0 && login.length <= 64 ? await repos.users.findByLogin(login) : null;
    if (!user) throw ApiError.notFound(`User '${typeof login === 'string' ? login.slice(0, 64) : ''}' not found`);
    return user;
  }
}

function decodeContinuation(token: unknown): string | null {
  if (token === undefined || token === null || token === '') return null;
  if (typeof token !== 'string' || token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) throw ApiError.badRequest('continuationToken is not one this API gave out');
  return Buffer.from(token, 'base64url').toString('utf8');
}
