import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuthPolicyError, JwksError, parseAuthPolicies, parseJwks } from '@stackyard/identity-domain';
import { AuditTrail, auditEventBy, IdentityDatabase, type OidcAuthPolicyEntity, type OidcIssuerEntity, type OrganizationEntity } from '@stackyard/identity-feature-tokens';
import type { AuthPolicyResponse, JsonWebKeySet, ListOidcIssuersResponse, OidcIssuerResponse, Principal } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { ActorService, callerAddress } from './actor.service';
import { checkFetchableUrl, IssuerFetchError } from './issuer-fetch';
import { MACHINE_IDENTITY_OPTIONS, type MachineIdentityOptions } from './machine-identity.options';
import { OidcKeySetService } from './oidc-key-set.service';

const MAX_ISSUER_NAME = 100;
const MAX_ISSUER_URL = 512;
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;
/** Ten years: a sanity bound; the server's own cap applies on top. */
const MAX_EXPIRATION_SECONDS = 10 * 365 * 86_400;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function toIssuerResponse(issuer: OidcIssuerEntity): OidcIssuerResponse {
  return {
    id: issuer.id,
    name: issuer.name,
    url: issuer.url,
    issuer: issuer.url,
    ...(issuer.jwks !== null ? { jwks: JSON.parse(issuer.jwks) as JsonWebKeySet } : {}),
    ...(issuer.maxExpirationSeconds !== null ? { maxExpiration: issuer.maxExpirationSeconds } : {}),
    created: iso(issuer.createdAt),
    modified: iso(issuer.modifiedAt),
    ...(issuer.lastUsedAt !== null ? { lastUsed: iso(issuer.lastUsedAt) } : {}),
  };
}

function toPolicyResponse(policy: OidcAuthPolicyEntity): AuthPolicyResponse {
  return { id: policy.id, version: policy.version, created: iso(policy.createdAt), modified: iso(policy.modifiedAt), policies: policy.policies };
}

/**
 * An organization's trusted OIDC issuers and their authorization policies, managed by its admins
 * through Pulumi's REST paths. An issuer's keys are inline or discoverable: registering one
 * without inline keys fetches them once, so a wrong URL or CA is a 400 now, not a failed login later.
 */
@Injectable()
export class OidcIssuerService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly actors: ActorService,
    private readonly keySets: OidcKeySetService,
    private readonly audit: AuditTrail,
    @Inject(MACHINE_IDENTITY_OPTIONS) options: MachineIdentityOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async list(body: unknown): Promise<ListOidcIssuersResponse> {
    const { org } = await this.admin(body);
    return { oidcIssuers: (await this.database.repositories.oidcIssuers.list(org.id)).map(toIssuerResponse) };
  }

  async get(body: unknown): Promise<OidcIssuerResponse> {
    const { org } = await this.admin(body);
    return toIssuerResponse(await this.issuer(org, body));
  }

  async register(body: unknown): Promise<OidcIssuerResponse> {
    const { actor, org } = await this.admin(body);
    const request = (body as { request?: unknown }).request;
    if (!isObject(request)) throw ApiError.badRequest('the body must be a JSON object');
    const problems: string[] = [];
    const name = this.name(request['name'], problems);
    const url = this.issuerUrl(request['url'], problems);
    const maxExpiration = this.maxExpiration(request['maxExpiration'], problems);
    const jwks = this.jwks(request['jwks'], problems);
    this.thumbprints(request['thumbprints'], problems);
    if (problems.length > 0) throw ApiError.badRequest(problems.join('; '));
    if (jwks === null) await this.checkDiscoverable(url!);
    const now = this.now();
    const issuer: OidcIssuerEntity = { id: randomUUID(), orgId: org.id, name: name!, url: url!, jwks, maxExpirationSeconds: maxExpiration ?? null, createdAt: now, modifiedAt: now, lastUsedAt: null };
    const policy: OidcAuthPolicyEntity = { id: randomUUID(), issuerId: issuer.id, orgId: org.id, version: 1, policies: [], createdAt: now, modifiedAt: now };
    await this.database.transaction(async (repos) => {
      if (await repos.oidcIssuers.findByUrl(org.id, issuer.url)) throw ApiError.conflict(`organization '${org.name}' already trusts issuer ${issuer.url}`);
      await repos.oidcIssuers.insert(issuer, policy);
    });
    await this.auditLine('oidc.issuer.registered', body, actor, org, issuer, { keys: jwks === null ? 'discovery' : 'inline' });
    return toIssuerResponse(issuer);
  }

  async update(body: unknown): Promise<OidcIssuerResponse> {
    const { actor, org } = await this.admin(body);
    const request = (body as { request?: unknown }).request;
    if (!isObject(request)) throw ApiError.badRequest('the body must be a JSON object');
    const current = await this.issuer(org, body);
    const problems: string[] = [];
    const next: OidcIssuerEntity = { ...current };
    if (request['name'] !== undefined) next.name = this.name(request['name'], problems) ?? current.name;
    if (request['maxExpiration'] !== undefined) next.maxExpirationSeconds = request['maxExpiration'] === null ? null : (this.maxExpiration(request['maxExpiration'], problems) ?? null);
    if (request['jwks'] !== undefined) next.jwks = request['jwks'] === null ? null : this.jwks(request['jwks'], problems);
    if (request['url'] !== undefined && request['url'] !== current.url) problems.push("url cannot change (tokens name their issuer); register a new issuer instead");
    this.thumbprints(request['thumbprints'], problems);
    if (problems.length > 0) throw ApiError.badRequest(problems.join('; '));
    // Dropping inline keys means fetching them from now on: check that works before relying on it.
    if (next.jwks === null && current.jwks !== null) await this.checkDiscoverable(next.url);
    next.modifiedAt = this.now();
    await this.database.repositories.oidcIssuers.update(next);
    await this.auditLine('oidc.issuer.updated', body, actor, org, next, { keys: next.jwks === null ? 'discovery' : 'inline' });
    return toIssuerResponse(next);
  }

  async delete(body: unknown): Promise<void> {
    const { actor, org } = await this.admin(body);
    const issuer = await this.issuer(org, body);
    if (await this.database.repositories.oidcIssuers.delete(org.id, issuer.id)) await this.auditLine('oidc.issuer.deleted', body, actor, org, issuer, {});
  }

  async getPolicy(body: unknown): Promise<AuthPolicyResponse> {
    const { org } = await this.admin(body);
    const issuer = await this.issuer(org, body);
    const policy = await this.database.repositories.oidcIssuers.findPolicyByIssuer(org.id, issuer.id);
    if (!policy) throw ApiError.notFound(`issuer '${issuer.name}' has no authorization policy`);
    return toPolicyResponse(policy);
  }

  async updatePolicy(body: unknown): Promise<AuthPolicyResponse> {
    const { actor, org } = await this.admin(body);
    const policyId = (body as { policyId?: unknown }).policyId;
    let policies;
    try {
      policies = parseAuthPolicies((body as { request?: unknown }).request);
    } catch (error) {
      if (error instanceof AuthPolicyError) throw ApiError.badRequest(error.message);
      throw error;
    }
    const repos = this.database.repositories;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = typeof policyId === 'string' && policyId.length <= 64 ? await repos.oidcIssuers.findPolicy(org.id, policyId) : null;
      if (!current) throw ApiError.notFound(`Authorization policy '${String(policyId).slice(0, 64)}' not found in organization '${org.name}'`);
      const now = this.now();
      if (await repos.oidcIssuers.replacePolicy(current.id, current.version, policies, now)) {
        const saved = { ...current, policies, version: current.version + 1, modifiedAt: now };
        await this.audit.record(
          auditEventBy({ principal: actor }, { organization: org.name, event: 'oidc_policy_updated', description: `authorization policy of OIDC issuer ${current.issuerId} replaced (${policies.length} rules)`, reqOrgAdmin: true, sourceIp: callerAddress(body) }),
          {
            event: 'oidc.policy.updated',
            organization: org.name,
            actor: actor.login,
            actorTokenId: actor.token.id,
            issuerId: current.issuerId,
            policyId: current.id,
            version: saved.version,
            rules: policies.map((p) => `${p.decision} ${p.tokenType}${p.teamName ? `:${p.teamName}` : ''}${p.userLogin ? `:${p.userLogin}` : ''}`),
          },
        );
        return toPolicyResponse(saved);
      }
    }
    throw ApiError.conflict('the policy is being changed by someone else; try again');
  }

  private async admin(body: unknown): Promise<{ actor: Principal; org: OrganizationEntity }> {
    const actor = await this.actors.resolve(body);
    const org = await this.actors.organization(actor, (body as { organization?: unknown }).organization);
    this.actors.authorize(actor, { kind: 'oidc-issuers', organization: org.name });
    return { actor, org };
  }

  private async issuer(org: OrganizationEntity, body: unknown): Promise<OidcIssuerEntity> {
    const issuerId = (body as { issuerId?: unknown }).issuerId;
    const issuer = typeof issuerId === 'string' && issuerId.length <= 64 ? await this.database.repositories.oidcIssuers.findById(org.id, issuerId) : null;
    if (!issuer) throw ApiError.notFound(`OIDC issuer '${String(issuerId).slice(0, 64)}' not found in organization '${org.name}'`);
    return issuer;
  }

  private name(value: unknown, problems: string[]): string | undefined {
    if (typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_ISSUER_NAME && !NOT_PRINTABLE.test(value)) return value;
    problems.push(`name must be 1–${MAX_ISSUER_NAME} printable characters`);
    return undefined;
  }

  /** The issuer identifier: an https URL without query or fragment, kept exactly as given (it must equal `iss`). */
  private issuerUrl(value: unknown, problems: string[]): string | undefined {
    if (typeof value !== 'string' || value.length > MAX_ISSUER_URL) {
      problems.push(`url must be the issuer's https URL (at most ${MAX_ISSUER_URL} characters), exactly as its tokens' iss claim says`);
      return undefined;
    }
    try {
      const url = checkFetchableUrl(value, []);
      if (url.search || url.hash || value.includes('#') || value.includes('?')) throw new IssuerFetchError('an issuer URL has no query or fragment');
    } catch (error) {
      if (!(error instanceof IssuerFetchError)) throw error;
      problems.push(`url: ${error.message}`);
      return undefined;
    }
    return value;
  }

  private maxExpiration(value: unknown, problems: string[]): number | undefined {
    if (value === undefined || value === null || value === 0) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_EXPIRATION_SECONDS) return value;
    problems.push('maxExpiration must be a whole number of seconds');
    return undefined;
  }

  /** Inline keys as stored JSON text; null when none were given (keys come from discovery). */
  private jwks(value: unknown, problems: string[]): string | null {
    if (value === undefined || value === null) return null;
    try {
      return JSON.stringify(parseJwks(value));
    } catch (error) {
      if (!(error instanceof JwksError)) throw error;
      problems.push(`jwks: ${error.message}`);
      return null;
    }
  }

  /** Pulumi pins issuer TLS certificates by thumbprint; here the CA setting does that job, so say so. */
  private thumbprints(value: unknown, problems: string[]): void {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return;
    problems.push('thumbprints are not supported: identity verifies issuers against the CA in STACKYARD_OIDC_CA (or Node\'s built-in roots); give the keys inline with jwks to avoid fetching');
  }

  private async checkDiscoverable(url: string): Promise<void> {
    try {
      await this.keySets.discover(url);
    } catch (error) {
      if (error instanceof IssuerFetchError) throw ApiError.badRequest(`the issuer's signing keys could not be fetched (give them inline with jwks, or fix the URL or STACKYARD_OIDC_CA): ${error.message}`);
      throw error;
    }
  }

  /** `oidc.issuer.registered` → stored as `oidc_issuer_registered`; the log line keeps the detail. */
  private auditLine(event: string, body: unknown, actor: Principal, org: OrganizationEntity, issuer: OidcIssuerEntity, extra: Record<string, unknown>): Promise<void> {
    const verb = event.split('.').at(-1)!;
    return this.audit.record(
      auditEventBy({ principal: actor }, { organization: org.name, event: event.replace(/\./g, '_'), description: `OIDC issuer '${issuer.name}' (${issuer.url}) ${verb}`, reqOrgAdmin: true, sourceIp: callerAddress(body) }),
      { event, organization: org.name, actor: actor.login, actorTokenId: actor.token.id, issuerId: issuer.id, issuerName: issuer.name, issuer: issuer.url, ...extra },
    );
  }
}
