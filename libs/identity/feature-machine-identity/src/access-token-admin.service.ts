import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { builtInRoleOf, generateAccessToken, hashAccessToken, type ManagedResource, type NewTokenRequest, parseNewTokenRequest, TokenRequestError } from '@stackyard/identity-domain';
import { type AccessTokenEntity, type AccessTokenOwnerFilter, accessTokenNameScope, AuditTrail, auditEventBy, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { AccessTokenListItem, AccessTokenOwner, CreateAccessTokenResponse, ListAccessTokensResponse, Principal, TokenKind } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { ActorService, callerAddress } from './actor.service';
import { MACHINE_IDENTITY_OPTIONS, type MachineIdentityOptions } from './machine-identity.options';

interface ResolvedOwner {
  kind: TokenKind;
  filter: AccessTokenOwnerFilter;
  resource: ManagedResource;
  /** For messages and audit lines: `user alice`, `organization acme`, `team acme/platform`. */
  label: string;
  userId: string | null;
  orgId: string | null;
  teamId: string | null;
}

/** The token list item of Pulumi's REST API (times in unix seconds, 0 for "none"). */
export function toListItem(token: AccessTokenEntity): AccessTokenListItem {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    created: new Date(token.createdAt).toISOString(),
    lastUsed: token.lastUsedAt === null ? 0 : Math.floor(token.lastUsedAt / 1000),
    expires: token.expiresAt === null ? 0 : Math.floor(token.expiresAt / 1000),
    admin: token.admin === true,
    createdBy: token.createdBy ?? null,
    type: token.kind,
  };
}

/**
 * Personal, organization and team access tokens through Pulumi's REST API: high-entropy values
 * shown once and stored as SHA-256, optional expiry, names unique per scope including revoked ones,
 * revocation. Who may do what is `mayManage` (identity-domain), applied by ActorService.
 */
@Injectable()
export class AccessTokenAdminService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: ActorService,
    private readonly audit: AuditTrail,
    @Inject(MACHINE_IDENTITY_OPTIONS) options: MachineIdentityOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async list(body: unknown): Promise<ListAccessTokensResponse> {
    const actor = await this.actors.resolve(body);
    const owner = await this.owner(actor, body);
    const includeExpired = (body as { includeExpired?: unknown }).includeExpired === true;
    const tokens = await this.database.repositories.tokens.list(owner.filter, { includeExpired, now: this.now() });
    return { tokens: tokens.map(toListItem) };
  }

  async create(body: unknown): Promise<CreateAccessTokenResponse> {
    const actor = await this.actors.resolve(body);
    const owner = await this.owner(actor, body);
    const now = this.now();
    let request: NewTokenRequest;
    try {
      request = parseNewTokenRequest(owner.kind, (body as { request?: unknown }).request, now);
    } catch (error) {
      if (error instanceof TokenRequestError) throw ApiError.badRequest(error.message);
      throw error;
    }
    // A built-in role's id (as `GET /api/orgs/{org}/roles` lists it) means that role; a custom one must be the organization's.
    const builtIn = request.roleId === null ? null : builtInRoleOf(request.roleId);
    if (builtIn === 'admin') request = { ...request, admin: true, roleId: null };
    else if (builtIn === 'member') request = { ...request, roleId: null };
    else if (request.roleId !== null && owner.orgId !== null && !(await this.database.repositories.accessControl.findRole(owner.orgId, request.roleId))) {
      throw ApiError.badRequest(`roleID: organization ${owner.label.replace(/^organization /, '')} has no role '${request.roleId.slice(0, 64)}'`);
    }
    const name = request.name ?? `token-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const value = generateAccessToken();
    const token: Omit<AccessTokenEntity, 'nameScope'> = {
      id: randomUUID(),
      userId: owner.userId,
      orgId: owner.orgId,
      teamId: owner.teamId,
      kind: owner.kind,
      name,
      description: request.description,
      tokenHash: hashAccessToken(value),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: request.expiresAt,
      revokedAt: null,
      admin: request.admin,
      roleId: request.roleId,
      // A machine token creating another has no person to name.
      createdBy: actor.userId === '' ? null : actor.login,
    };
    await this.database.transaction(async (repos) => {
      if (await repos.tokens.findByScopeAndName(accessTokenNameScope(token), name)) {
        throw ApiError.conflict(`${owner.label} already has an access token named '${name}' (names of revoked tokens stay taken)`);
      }
      await repos.tokens.insert(token);
    });
    await this.audit.record(
      auditEventBy(
        { principal: actor },
        {
          organization: organizationOf(owner),
          event: 'access_token_created',
          description: `${owner.kind} access token '${name}'${request.admin ? ' (admin)' : ''} created for ${owner.label}`,
          reqOrgAdmin: owner.kind !== 'personal',
          sourceIp: callerAddress(body),
        },
      ),
      {
        event: 'token.created',
        kind: owner.kind,
        via: 'rest',
        owner: owner.label,
        actor: actor.login,
        actorTokenId: actor.token.id,
        tokenId: token.id,
        tokenName: name,
        admin: request.admin,
        roleId: request.roleId,
        expiresAt: request.expiresAt === null ? null : new Date(request.expiresAt).toISOString(),
      },
    );
    return { id: token.id, tokenValue: value };
  }

  async revoke(body: unknown): Promise<void> {
    const actor = await this.actors.resolve(body);
    const owner = await this.owner(actor, body);
    const tokenId = (body as { tokenId?: unknown }).tokenId;
    const repos = this.database.repositories;
    const token = typeof tokenId === 'string' && tokenId.length <= 64 ? await repos.tokens.findById(tokenId) : null;
    if (!token || !belongsTo(token, owner)) throw ApiError.notFound(`${owner.label} has no access token '${String(tokenId).slice(0, 64)}'`);
    // Revoking twice is not an error: a retried DELETE must succeed.
    if (await repos.tokens.revoke(token.id, this.now())) {
      await this.audit.record(
        auditEventBy(
          { principal: actor },
          { organization: organizationOf(owner), event: 'access_token_deleted', description: `${token.kind} access token '${token.name}' of ${owner.label} revoked`, reqOrgAdmin: owner.kind !== 'personal', sourceIp: callerAddress(body) },
        ),
        { event: 'token.revoked', kind: token.kind, owner: owner.label, actor: actor.login, actorTokenId: actor.token.id, tokenId: token.id, tokenName: token.name },
      );
    }
  }

  private async owner(actor: Principal, body: unknown): Promise<ResolvedOwner> {
    const owner = (body as { owner?: AccessTokenOwner } | undefined)?.owner;
    switch (owner?.kind) {
      case 'personal': {
        this.actors.authorize(actor, { kind: 'personal-tokens', userId: actor.userId });
        return { kind: 'personal', filter: { kind: 'personal', userId: actor.userId }, resource: { kind: 'personal-tokens', userId: actor.userId }, label: `user '${actor.login}'`, userId: actor.userId, orgId: null, teamId: null };
      }
      case 'organization': {
        const org = await this.actors.organization(actor, owner.organization);
        const resource: ManagedResource = { kind: 'organization-tokens', organization: org.name };
        this.actors.authorize(actor, resource);
        return { kind: 'organization', filter: { kind: 'organization', orgId: org.id }, resource, label: `organization '${org.name}'`, userId: null, orgId: org.id, teamId: null };
      }
      case 'team': {
        const org = await this.actors.organization(actor, owner.organization);
        const team = await this.actors.team(org, owner.team);
        const resource: ManagedResource = { kind: 'team-tokens', organization: org.name, team: team.name };
        this.actors.authorize(actor, resource);
        return { kind: 'team', filter: { kind: 'team', orgId: org.id, teamId: team.id }, resource, label: `team '${org.name}/${team.name}'`, userId: null, orgId: org.id, teamId: team.id };
      }
      case undefined:
      default:
        throw ApiError.badRequest('owner must be {"kind": "personal"}, {"kind": "organization", "organization"} or {"kind": "team", "organization", "team"}');
    }
  }
}

/** The organization an owner's tokens belong to (none for personal tokens). */
function organizationOf(owner: ResolvedOwner): string | null {
  return 'organization' in owner.resource ? owner.resource.organization : null;
}

function belongsTo(token: AccessTokenEntity, owner: ResolvedOwner): boolean {
  if (token.kind !== owner.kind) return false;
  if (owner.kind === 'personal') return token.userId === owner.userId;
  if (owner.kind === 'team') return token.orgId === owner.orgId && token.teamId === owner.teamId;
  return token.orgId === owner.orgId;
}
