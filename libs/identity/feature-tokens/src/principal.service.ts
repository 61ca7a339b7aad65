import { Inject, Injectable, Logger } from '@nestjs/common';
import { isAccessTokenHash } from '@stackyard/identity-domain';
import type { Principal } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { AccessTokenEntity } from './access-token.entity';
import { AuditTrail, auditEventBy } from './audit-trail';
import { IdentityDatabase } from './identity.database';
import { IDENTITY_TOKENS_OPTIONS, type IdentityTokensOptions } from './identity-tokens.options';
import { machinePrincipal } from './machine-principal';
import { personalOrganizationAccess } from './organization-access.loader';

/** `last_used_at` is a hint for operators, not an audit log: one write a minute per token is plenty. */
export const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class PrincipalService {
  private readonly logger = new Logger(PrincipalService.name);
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    @Inject(IDENTITY_TOKENS_OPTIONS) options: IdentityTokensOptions,
    /** Refused tokens are security events: which token (id and name, never its value) and why. */
    private readonly audit: AuditTrail,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Who the token with this hash acts as; 401 for a token that is unknown, revoked or expired. */
  async resolve(body: unknown): Promise<Principal> {
    const tokenHash = (body as { tokenHash?: unknown } | undefined)?.tokenHash;
    if (!isAccessTokenHash(tokenHash)) throw ApiError.badRequest('tokenHash must be the lowercase hex SHA-256 of the access token');
    const repos = this.database.repositories;
    const token = await repos.tokens.findByHash(tokenHash);
    if (!token) throw this.refused('unknown', 'the access token is not recognised');
    if (token.revokedAt !== null) throw this.refused('revoked', 'the access token has been revoked', token);
    const now = this.now();
    if (token.expiresAt !== null && token.expiresAt <= now) throw this.refused('expired', 'the access token has expired', token);
    if (token.kind !== 'personal') {
      // Organization and team tokens act as the organization (or team), not as a person.
      const machine = await machinePrincipal(repos, token);
      if (!machine) throw this.refused('no-owner', 'the access token belongs to no organization or team', token);
      await this.touch(token, now);
      return machine;
    }
    const user = token.userId === null ? null : await repos.users.findById(token.userId);
    if (!user) throw this.refused('no-user', 'the access token belongs to no user', token);
    const memberships = await repos.memberships.membershipsOf(user.id);
    const teamRows = await repos.teams.teamRowsOf(user.id);
    const organizations = memberships.map((m) => ({ name: m.name, role: m.role }));
    const teams = teamRows.map((t) => ({ organization: t.organization, team: t.team }));
    const access = await personalOrganizationAccess(repos, user.id, memberships, teamRows);
    const tokenInfo: Principal['token'] = { id: token.id, name: token.name, kind: token.kind };
    if (token.orgId !== null) {
      const org = await repos.organizations.findById(token.orgId);
      if (org) tokenInfo.organization = org.name;
    }
    await this.touch(token, now);
    return {
      userId: user.id,
      login: user.login,
      name: user.name,
      email: user.email,
      avatarUrl: user.avatarUrl,
      siteAdmin: user.siteAdmin,
      organizations,
      teams,
      token: tokenInfo,
      access,
    };
  }

  private refused(reason: string, message: string, token?: AccessTokenEntity): ApiError {
    void this.audit.record(
      auditEventBy(token ? { name: `${token.kind} token ${token.name}`, urn: `urn:stackyard:token:${token.id}` } : null, {
        organization: null,
        event: 'access_token_refused',
        description: token ? `${token.kind} access token '${token.name}' refused: ${reason}` : `an access token was refused: ${reason}`,
        authFailure: true,
      }),
      { event: 'auth.token.refused', reason, tokenId: token?.id ?? null, tokenName: token?.name ?? null, tokenKind: token?.kind ?? null },
    );
    return ApiError.unauthorized(message);
  }

  private async touch(token: AccessTokenEntity, now: number): Promise<void> {
    if (token.lastUsedAt !== null && now - token.lastUsedAt < LAST_USED_RESOLUTION_MS) return;
    try {
      await this.database.repositories.tokens.touchLastUsed(token.id, now, now - LAST_USED_RESOLUTION_MS + 1);
    } catch (error) {
      // Bookkeeping must never turn a valid token into a failed request.
      this.logger.warn(`could not record last use of token ${token.id}: ${(error as Error).message}`);
    }
  }
}
