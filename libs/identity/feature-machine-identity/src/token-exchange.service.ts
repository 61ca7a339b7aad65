import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  audiencesOf,
  checkJwtClaims,
  decideExchange,
  generateAccessToken,
  hashAccessToken,
  type JwtClaims,
  JwtError,
  JwksError,
  type ParsedJwt,
  parseJwt,
  parseTokenExchange,
  type TokenExchangeRequest,
  verifyJwtSignature,
  isValidOrganizationName,
} from '@stackyard/identity-domain';
import { AuditTrail, auditEventBy, type AccessTokenEntity, IdentityDatabase, type OidcIssuerEntity, type OrganizationEntity } from '@stackyard/identity-feature-tokens';
import { type OAuthErrorCode, PULUMI_ACCESS_TOKEN_TYPES, type TokenExchangeInternalResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { IssuerFetchError } from './issuer-fetch';
import { MACHINE_IDENTITY_OPTIONS, type MachineIdentityOptions } from './machine-identity.options';
import { OidcKeySetService } from './oidc-key-set.service';

/** `last_used_at` of an issuer is a hint, like a token's: at most one write a minute. */
const ISSUER_LAST_USED_RESOLUTION_MS = 60_000;
const MAX_PARAMETER_LENGTH = 32 * 1024;
const MAX_DESCRIPTION = 255;

/** A refusal, with what the audit line should say about it. */
class Refusal extends Error {
  constructor(
    readonly status: 400 | 503,
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly reason: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(description);
    this.name = 'Refusal';
  }
}

function shown(value: string, max = 200): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/**
 * RFC 8693 token exchange for `pulumi login --oidc-token`: a JWT from an issuer the organization
 * trusts (a Kubernetes service-account token, a CI job's id_token) becomes a short-lived Stackyard
 * access token, without any stored secret on the caller's side. The JWT is checked strictly
 * (identity-domain `jwt.ts`: RS256/ES256 only, key by `kid`, `iss` exact, time claims with a small
 * skew and a maximum age), then the issuer's authorization policy decides which token, if any, it
 * becomes. Grants and refusals are audit lines; JWTs and tokens never reach a log.
 */
@Injectable()
export class TokenExchangeService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly keySets: OidcKeySetService,
    private readonly audit: AuditTrail,
    @Inject(MACHINE_IDENTITY_OPTIONS) private readonly options: MachineIdentityOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async exchange(body: unknown): Promise<TokenExchangeInternalResponse> {
    const { parameters, sourceIp } = readInternalRequest(body);
    const parsed = parseTokenExchange(parameters);
    if (!parsed.ok) return this.refuse(new Refusal(400, parsed.error, parsed.description, 'bad-request'), sourceIp, parameters['audience']);
    const request = parsed.request;
    try {
      return await this.grant(request, sourceIp);
    } catch (error) {
      if (error instanceof Refusal) return this.refuse(error, sourceIp, request.organization);
      throw error;
    }
  }

  private async grant(request: TokenExchangeRequest, sourceIp: string | undefined): Promise<TokenExchangeInternalResponse> {
    const jwt = this.parse(request.subjectToken);
    const claimedIssuer = typeof jwt.payload['iss'] === 'string' ? jwt.payload['iss'] : '';
    const repos = this.database.repositories;
    const org = await repos.organizations.findByName(request.organization);
    const issuer = org && claimedIssuer ? await repos.oidcIssuers.findByUrl(org.id, claimedIssuer) : null;
    if (!org || !issuer) {
      // The same answer whether the organization exists or not: the caller is not yet anyone.
      throw new Refusal(400, 'invalid_request', `organization '${request.organization}' does not trust the token's issuer '${shown(claimedIssuer)}'`, 'untrusted-issuer', {
        claimedIssuer: shown(claimedIssuer),
      });
    }
    const claims = await this.verify(jwt, issuer);
    const subject = { issuerName: issuer.name, issuerId: issuer.id, subject: shown(claims.sub), audience: audiencesOf(claims).map((a) => shown(a)) };
    const policy = await repos.oidcIssuers.findPolicyByIssuer(org.id, issuer.id);
    const decision = decideExchange(policy?.policies ?? [], claims, request.requested);
    const wanted = describeRequested(request);
    if (!decision.allowed) {
      const who = `subject '${shown(claims.sub)}' (audience ${audiencesOf(claims).map((a) => `'${shown(a, 100)}'`).join(', ')})`;
      const description =
        decision.reason === 'denied'
          ? `a deny rule of issuer '${issuer.name}' refuses ${wanted} to ${who}`
          : decision.reason === 'admin-not-authorized'
            ? `no rule of issuer '${issuer.name}' grants the admin scope to ${who}; ask without scope admin`
            : `no authorization policy rule of issuer '${issuer.name}' allows ${wanted} for ${who}`;
      throw new Refusal(400, 'invalid_request', description, `policy-${decision.reason}`, { ...subject, ...('policyIndex' in decision ? { policyIndex: decision.policyIndex } : {}) });
    }
    const owner = await this.owner(org, request);
    const cap = Math.min(this.options.maxIssuedTokenLifetimeSeconds, issuer.maxExpirationSeconds ?? Number.MAX_SAFE_INTEGER);
    const lifetimeSeconds = Math.min(request.expirationSeconds ?? cap, cap);
    const now = this.now();
    const value = generateAccessToken();
    const token: Omit<AccessTokenEntity, 'nameScope'> = {
      id: randomUUID(),
      userId: owner.userId,
      orgId: owner.orgId,
      teamId: owner.teamId,
      kind: request.requested.kind,
      name: `oidc-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`,
      description: shown(`OIDC token exchange: issuer '${issuer.name}', subject '${claims.sub}'`, MAX_DESCRIPTION - 1),
      tokenHash: hashAccessToken(value),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: now + lifetimeSeconds * 1000,
      revokedAt: null,
      admin: request.requested.kind === 'organization' && request.requested.admin,
      createdBy: null,
    };
    await this.database.transaction((tx) => tx.tokens.insert(token));
    await repos.oidcIssuers.touchLastUsed(issuer.id, now, now - ISSUER_LAST_USED_RESOLUTION_MS + 1).catch(() => undefined);
    await this.audit.record(
      auditEventBy(
        { name: `OIDC subject '${shown(claims.sub, 100)}' of issuer '${issuer.name}'`, urn: `urn:stackyard:oidc:${issuer.id}:${shown(claims.sub, 200)}` },
        { organization: org.name, event: 'oidc_token_exchanged', description: `${wanted} issued to OIDC subject '${shown(claims.sub, 100)}' of issuer '${issuer.name}' (token '${token.name}')`, sourceIp: sourceIp ?? null },
      ),
      {
        event: 'token.exchange.granted',
        organization: org.name,
        ...subject,
        policyIndex: decision.policyIndex,
        tokenType: token.kind,
        ...(request.requested.team ? { team: request.requested.team } : {}),
        ...(request.requested.user ? { user: request.requested.user } : {}),
        admin: token.admin,
        tokenId: token.id,
        tokenName: token.name,
        expiresAt: new Date(token.expiresAt!).toISOString(),
        sourceIp: sourceIp ?? null,
      },
    );
    return {
      outcome: 'granted',
      grant: { access_token: value, issued_token_type: PULUMI_ACCESS_TOKEN_TYPES[token.kind], token_type: 'Bearer', expires_in: lifetimeSeconds, scope: request.scope },
    };
  }

  private parse(subjectToken: string): ParsedJwt {
    try {
      return parseJwt(subjectToken);
    } catch (error) {
      if (error instanceof JwtError) throw new Refusal(400, 'invalid_request', `the OIDC token is refused: ${error.message}`, `jwt-${error.problem}`);
      throw error;
    }
  }

  /** Signature (refreshing discovered keys once on an unknown `kid`: the issuer may have rotated), then claims. */
  private async verify(jwt: ParsedJwt, issuer: OidcIssuerEntity): Promise<JwtClaims> {
    const detail = { issuerName: issuer.name, issuerId: issuer.id };
    try {
      try {
        verifyJwtSignature(jwt, await this.keys(issuer, false));
      } catch (error) {
        if (!(error instanceof JwtError) || error.problem !== 'unknown-key' || issuer.jwks !== null) throw error;
        verifyJwtSignature(jwt, await this.keys(issuer, true));
      }
      return checkJwtClaims(jwt.payload, { now: Math.floor(this.now() / 1000), skewSeconds: this.options.clockSkewSeconds, maxAgeSeconds: this.options.maxSubjectTokenAgeSeconds });
    } catch (error) {
      if (error instanceof JwtError) throw new Refusal(400, 'invalid_request', `the OIDC token is refused: ${error.message}`, `jwt-${error.problem}`, detail);
      throw error;
    }
  }

  private async keys(issuer: OidcIssuerEntity, refresh: boolean) {
    try {
      return await this.keySets.keysFor(issuer, refresh);
    } catch (error) {
      if (error instanceof IssuerFetchError || error instanceof JwksError) {
        throw new Refusal(503, 'temporarily_unavailable', `the signing keys of issuer '${issuer.name}' cannot be fetched right now: ${error.message}`, 'keys-unavailable', {
          issuerName: issuer.name,
          issuerId: issuer.id,
        });
      }
      throw error;
    }
  }

  /** Whom the token is for: the organization, one of its teams, or a member (personal tokens). */
  private async owner(org: OrganizationEntity, request: TokenExchangeRequest): Promise<{ userId: string | null; orgId: string | null; teamId: string | null }> {
    const repos = this.database.repositories;
    const { kind, team, user } = request.requested;
    if (kind === 'team') {
      const found = await repos.teams.findByName(org.id, team!);
      if (!found) throw new Refusal(400, 'invalid_scope', `organization '${org.name}' has no team '${team}'`, 'no-such-team');
      return { userId: null, orgId: org.id, teamId: found.id };
    }
    if (kind === 'personal') {
      const person = await repos.users.findByLogin(user!);
      const member = person ? await repos.memberships.find(org.id, person.id) : null;
      if (!person || !member) throw new Refusal(400, 'invalid_scope', `'${user}' is not a member of organization '${org.name}'`, 'not-a-member');
      return { userId: person.id, orgId: null, teamId: null };
    }
    return { userId: null, orgId: org.id, teamId: null };
  }

  private async refuse(refusal: Refusal, sourceIp: string | undefined, organization: string | undefined): Promise<TokenExchangeInternalResponse> {
    await this.audit.record(
      auditEventBy(null, {
        organization: isValidOrganizationName(organization) ? organization : null,
        event: 'oidc_token_exchange_failed',
        description: `OIDC token exchange refused (${refusal.reason}): ${refusal.description}`,
        sourceIp: sourceIp ?? null,
        authFailure: true,
      }),
      {
        event: 'token.exchange.refused',
        organization: organization === undefined ? null : shown(organization, 100),
        reason: refusal.reason,
        error: refusal.error,
        description: refusal.description,
        ...refusal.detail,
        sourceIp: sourceIp ?? null,
      },
    );
    return { outcome: 'refused', status: refusal.status, error: refusal.error, description: refusal.description };
  }
}

function describeRequested(request: TokenExchangeRequest): string {
  const { kind, team, user, admin } = request.requested;
  if (kind === 'team') return `a token for team '${team}'`;
  if (kind === 'personal') return `a personal token for '${user}'`;
  return admin ? 'an admin organization token' : 'an organization token';
}

/** The api's internal request: string parameters, each of bounded length. */
function readInternalRequest(body: unknown): { parameters: Record<string, string>; sourceIp?: string } {
  const raw = (body ?? {}) as { parameters?: unknown; sourceIp?: unknown };
  const parameters = raw.parameters;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw ApiError.badRequest('parameters must be an object of strings');
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > MAX_PARAMETER_LENGTH) throw ApiError.badRequest(`parameter ${shown(name, 40)} must be a string of at most ${MAX_PARAMETER_LENGTH} characters`);
    checked[name] = value;
  }
  return { parameters: checked, ...(typeof raw.sourceIp === 'string' ? { sourceIp: raw.sourceIp.slice(0, 64) } : {}) };
}
