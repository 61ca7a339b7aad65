import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hashAccessToken, isAccessTokenHash, isValidOrganizationName } from '@stackyard/identity-domain';
import { IdentityDatabase, type OrganizationEntity } from '@stackyard/identity-feature-tokens';
import { ScimError } from '@stackyard/identity-scim';
import type { CreateScimTokenResponse, ScimTokenStatusResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { SamlOrganizations } from './saml-organizations';
import { ScimAudit } from './scim-audit';
import { SCIM_OPTIONS, type ScimOptions } from './scim.options';

/**
 * `scim-` + 256 random bits in hex: recognisably not a Pulumi access token (`pul-…`), so neither is
 * ever pasted into the other's place unnoticed, and secret scanners can tell them apart.
 */
export const SCIM_TOKEN_PREFIX = 'scim-';
export const generateScimToken = () => SCIM_TOKEN_PREFIX + randomBytes(32).toString('hex');

/** `last_used_at` is a hint for admins ("is the IdP still syncing?"): one write a minute is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Who changed a token over the internal API without naming a person. */
const OPERATOR = 'operator';

/**
 * Each organization's SCIM bearer token: created (or rotated: the previous one stops at once) by
 * an organization admin, shown once, stored as SHA-256, revocable; and the check every SCIM
 * request passes first. Every refusal is a `scim.auth.failed` audit line.
 */
@Injectable()
export class ScimTokenService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly saml: SamlOrganizations,
    @Inject(SCIM_OPTIONS) options: ScimOptions,
    private readonly audit: ScimAudit,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(organizationName: string, body: unknown): Promise<CreateScimTokenResponse> {
    const actor = actorOf(body);
    const organization = await this.organization(organizationName);
    if (!(await this.saml.isSamlBacked(organization.id))) {
      throw ApiError.conflict(`organization '${organization.name}' has no SAML sign-in configured; SCIM provisions the people its SAML IdP signs in, so configure SAML first`);
    }
    const token = generateScimToken();
    const id = randomUUID();
    const createdAt = this.now();
    const revoked = await this.database.transaction(async (repos) => {
      const count = await repos.scimTokens.revokeActive(organization.id, createdAt);
      await repos.scimTokens.insert({ id, orgId: organization.id, tokenHash: hashAccessToken(token), createdAt, createdBy: actor, lastUsedAt: null, revokedAt: null });
      return count;
    });
    this.audit.record('scim.token.created', { organization: organization.name, actor, tokenId: id, previousRevoked: revoked > 0 });
    return { organization: organization.name, id, token, createdAt };
  }

  async status(organizationName: string): Promise<ScimTokenStatusResponse> {
    const organization = await this.organization(organizationName);
    const active = await this.database.repositories.scimTokens.findActive(organization.id);
    return {
      organization: organization.name,
      samlEnabled: (await this.database.repositories.samlConfigurations.find(organization.id))?.enabled === true,
      token: active ? { id: active.id, createdAt: active.createdAt, createdBy: active.createdBy, lastUsedAt: active.lastUsedAt } : null,
    };
  }

  async revoke(organizationName: string, actorLogin: unknown): Promise<void> {
    const actor = actorOf({ actor: actorLogin });
    const organization = await this.organization(organizationName);
    const revoked = await this.database.repositories.scimTokens.revokeActive(organization.id, this.now());
    if (revoked > 0) this.audit.record('scim.token.revoked', { organization: organization.name, actor });
  }

  /**
   * The organization a SCIM request may act on: its live token must match and it must still be
   * SAML-backed. 401 (no, unknown, revoked or another organization's token) and 403 (no SAML)
   * read the same for every organization name, existing or not.
   */
  async authenticate(organizationName: string, tokenHash: unknown, sourceIp: string): Promise<OrganizationEntity> {
    const refuse = (reason: string, extra: Record<string, unknown> = {}): never => {
      this.audit.record('scim.auth.failed', { organization: organizationName.slice(0, 64), reason, sourceIp, ...extra });
      throw ScimError.unauthorized('the SCIM bearer token is missing, not recognised or revoked');
    };
    if (tokenHash === null || tokenHash === undefined) return refuse('missing');
    if (!isAccessTokenHash(tokenHash)) return refuse('malformed');
    const repos = this.database.repositories;
    const token = await repos.scimTokens.findByHash(tokenHash);
    if (!token) return refuse('unknown');
    const organization = isValidOrganizationName(organizationName) ? await repos.organizations.findByName(organizationName) : null;
    if (!organization || organization.id !== token.orgId) return refuse('other-organization', { tokenId: token.id });
    if (token.revokedAt !== null) return refuse('revoked', { tokenId: token.id });
    if (!(await this.saml.isSamlBacked(organization.id))) {
      this.audit.record('scim.auth.failed', { organization: organization.name, reason: 'no-saml', sourceIp, tokenId: token.id });
      throw ScimError.forbidden(`organization '${organization.name}' no longer has SAML sign-in configured; SCIM is available only to SAML organizations`);
    }
    const now = this.now();
    if (token.lastUsedAt === null || now - token.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
      await repos.scimTokens.touchLastUsed(token.id, now, now - LAST_USED_RESOLUTION_MS + 1);
    }
    return organization;
  }

  private async organization(name: string): Promise<OrganizationEntity> {
    const organization = isValidOrganizationName(name) ? await this.database.repositories.organizations.findByName(name) : null;
    if (!organization) throw ApiError.notFound(`no organization '${name.slice(0, 64)}'`);
    return organization;
  }
}

/** Who asked, for the audit log: the admin's login (or an organization token's name); `operator` when unnamed. */
function actorOf(body: unknown): string {
  const actor = (body && typeof body === 'object' ? (body as Record<string, unknown>)['actor'] : undefined) ?? OPERATOR;
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > 64 || /[\u0000-\u001f\u007f]/.test(actor)) throw ApiError.badRequest('actor must name who asks (1–64 printable characters)');
  return actor;
}
