import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { IDENTITY_RESOLVE_PATH, type Principal, type ResolvePrincipalRequest } from '@stackyard/shared-contracts';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';

export const IDENTITY_CLIENT = Symbol('IdentityClient');

const MAX_CACHED = 10_000;

/**
 * Resolves access tokens to principals through the identity service, which owns tokens. The api
 * keeps each answer for a few seconds, keyed by the token's hash (never the token), so the warm
 * path costs no round trip and a revoked token stops working within that bound.
 */
@Injectable()
export class PrincipalService {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly audit = new Logger('audit');

  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
  ) {}

  async resolve(token: string, requestId?: string): Promise<Principal> {
    if (token.length < 8 || token.length > 512 || !/^[\x21-\x7e]+$/.test(token)) {
      // Identity never sees these, so the refusal is recorded here (never the value).
      this.audit.log(JSON.stringify({ event: 'auth.token.refused', reason: 'malformed', length: token.length, requestId: requestId ?? null }));
      throw ApiError.unauthorized('malformed access token');
    }
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const hit = this.cache.get(tokenHash);
    if (hit && hit.until > now) return hit.principal;
    let principal: Principal;
    try {
      principal = await this.identity.post<Principal>(IDENTITY_RESOLVE_PATH, { tokenHash } satisfies ResolvePrincipalRequest, requestId);
    } catch (error) {
      if (error instanceof UpstreamError && (error.status === 401 || error.status === 404)) {
        this.cache.delete(tokenHash);
        // Identity says which (not recognised, revoked, expired): the caller holds the token, so
        // telling them why it stopped working gives nothing away and saves a support ticket.
        throw ApiError.unauthorized(error.status === 401 ? error.detail : 'the access token is not recognised');
      }
      throw error;
    }
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(tokenHash, { principal, until: now + this.settings.principalCacheSeconds * 1000 });
    return principal;
  }
}
