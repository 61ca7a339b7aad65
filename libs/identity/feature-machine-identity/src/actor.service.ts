import { Injectable } from '@nestjs/common';
import { isMemberOf, isValidOrganizationName, type ManagedResource, mayManage } from '@stackyard/identity-domain';
import { IdentityDatabase, type OrganizationEntity, PrincipalService, type TeamEntity } from '@stackyard/identity-feature-tokens';
import type { Principal } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';

const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Who is calling (from the hash of their own access token, resolved here rather than taken from
 * the api's word) and whether they may act on an organization or team. Organizations the caller
 * does not belong to answer 404, like missing ones, so their names do not leak; members who lack
 * the right get 403.
 */
@Injectable()
export class ActorService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly principals: PrincipalService,
  ) {}

  /** The caller, or 401 for a token that is unknown, revoked or expired. */
  resolve(body: unknown): Promise<Principal> {
    const actorTokenHash = (body as { actorTokenHash?: unknown } | undefined)?.actorTokenHash;
    return this.principals.resolve({ tokenHash: actorTokenHash });
  }

  /** The organization, if the actor belongs to it. */
  async organization(actor: Principal, name: unknown): Promise<OrganizationEntity> {
    if (!isValidOrganizationName(name)) throw ApiError.badRequest('organization must be a valid organization name');
    const org = isMemberOf(actor, name) ? await this.database.repositories.organizations.findByName(name) : null;
    if (!org) throw ApiError.notFound(`Organization '${name}' not found`);
    return org;
  }

  /** The organization's team, or 404. */
  async team(org: OrganizationEntity, name: unknown): Promise<TeamEntity> {
    const team = typeof name === 'string' && TEAM_NAME.test(name) ? await this.database.repositories.teams.findByName(org.id, name) : null;
    if (!team) throw ApiError.notFound(`Team '${typeof name === 'string' ? name.slice(0, 64) : ''}' not found in organization '${org.name}'`);
    return team;
  }

  /** 403 unless the one policy function (domain `mayManage`) allows it. */
  authorize(actor: Principal, resource: ManagedResource): void {
    if (mayManage(actor, resource)) return;
    switch (resource.kind) {
      case 'personal-tokens':
        throw ApiError.forbidden(actor.token.kind === 'personal' ? 'personal tokens can be managed by their owner only' : `an ${actor.token.kind} token acts for no person, so it has no personal tokens`);
      case 'organization-tokens':
        throw ApiError.forbidden(`only admins of organization '${resource.organization}' (or holders of the 'token:manage' permission) may manage its access tokens`);
      case 'team-tokens':
        throw ApiError.forbidden(`only admins of organization '${resource.organization}' (or holders of the 'token:manage' permission) and admins of team '${resource.team}' may manage the team's access tokens`);
      case 'oidc-issuers':
        throw ApiError.forbidden(`only admins of organization '${resource.organization}' (or holders of the 'token:manage' permission) may manage its OIDC issuers and their policies`);
    }
  }
}

/** The caller's address as the api forwarded it (`sourceIp`), for the audit log; never trusted for anything else. */
export function callerAddress(body: unknown): string | undefined {
  const sourceIp = (body as { sourceIp?: unknown } | undefined)?.sourceIp;
  return typeof sourceIp === 'string' && sourceIp !== '' ? sourceIp.slice(0, 64) : undefined;
}
