import { Injectable } from '@nestjs/common';
import { isValidOrganizationName } from '@stackyard/identity-domain';
import { IdentityDatabase, AuditTrail, type OrganizationEntity, PrincipalService, type TeamEntity } from '@stackyard/identity-feature-tokens';
import { type AccessDecision, decideOrganization, decideTeam, organizationAccessOf } from '@stackyard/shared-access';
import type { AccessOperationRequest, OrganizationScope, Principal } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';

/** Who is calling, in which organization, from where: what every access operation starts from. */
export interface ActorContext {
  actor: Principal;
  org: OrganizationEntity;
  sourceIp: string;
}

/**
 * Resolves the caller from the hash of their own access token (identity trusts no claim of the
 * api's) and applies the one policy library: an organization the caller does not belong to
 * answers 404, exactly like a missing one; a member lacking the permission gets 403.
 */
@Injectable()
export class AccessActorService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly principals: PrincipalService,
    private readonly audit: AuditTrail,
  ) {}

  /** The caller and the organization, which they must be able to see (`organization:read`). */
  async context(orgName: string, body: AccessOperationRequest): Promise<ActorContext> {
    const actor = await this.principals.resolve({ tokenHash: body.actorTokenHash });
    if (!isValidOrganizationName(orgName) || !organizationAccessOf(actor, orgName)) throw ApiError.notFound(`Organization '${orgName.slice(0, 40)}' not found`);
    const org = await this.database.repositories.organizations.findByName(orgName);
    if (!org) throw ApiError.notFound(`Organization '${orgName}' not found`);
    const sourceIp = typeof body.sourceIp === 'string' ? body.sourceIp.slice(0, 64) : '';
    return { actor, org, sourceIp };
  }

  /** 403 (or 404) unless the caller holds the organization scope. */
  require(ctx: ActorContext, scope: OrganizationScope): void {
    this.refuseUnless(ctx, decideOrganization(ctx.actor, ctx.org.name, scope), scope);
  }

  /** 403 unless the caller may manage the team (`team:manage`, or admin of that team). */
  requireTeam(ctx: ActorContext, team: string): void {
    this.refuseUnless(ctx, decideTeam(ctx.actor, ctx.org.name, team), `team:manage on team '${team.slice(0, 64)}'`);
  }

  /** Every refusal is an audit event (`request_denied`), like the api's. */
  private refuseUnless(ctx: ActorContext, decision: AccessDecision, what: string): void {
    if (decision.allowed) return;
    // AuditTrail.record never throws; the refusal must not wait for the write.
    void this.record(ctx, 'request_denied', `refused (${decision.status}): ${what} in organization '${ctx.org.name}'`, { authFailure: true });
    enforce(decision);
  }

  /** The organization's team, or 404. */
  async team(ctx: ActorContext, name: unknown): Promise<TeamEntity> {
    const team = typeof name === 'string' && name.length <= 64 ? await this.database.repositories.teams.findByName(ctx.org.id, name) : null;
    if (!team) throw ApiError.notFound(`Team '${typeof name === 'string' ? name.slice(0, 64) : ''}' not found in organization '${ctx.org.name}'`);
    return team;
  }

  /** Records a change in the audit log (never a token or secret: names and levels only). */
  async record(ctx: ActorContext, event: string, description: string, extra: { reqOrgAdmin?: boolean; authFailure?: boolean } = {}): Promise<void> {
    const person = ctx.actor.userId !== '' ? ctx.actor.login : null;
    await this.audit.record({
      timestamp: Date.now(),
      organization: ctx.org.name,
      event,
      description,
      sourceIp: ctx.sourceIp,
      user: person,
      tokenId: ctx.actor.token.id,
      tokenName: ctx.actor.token.name,
      actorName: person ?? `${ctx.actor.token.kind} token ${ctx.actor.token.name}`,
      actorUrn: person ? `urn:stackyard:user:${person}` : `urn:stackyard:token:${ctx.actor.token.id}`,
      ...extra,
    });
  }
}

export function enforce(decision: AccessDecision): void {
  if (decision.allowed) return;
  throw decision.status === 404 ? ApiError.notFound(decision.message) : ApiError.forbidden(decision.message);
}
