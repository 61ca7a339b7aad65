import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import { InternalClient, UpstreamError } from '@stackyard/shared-http';
import { IDENTITY_RESOLVE_PATH, type Principal, type ResolvePrincipalRequest } from '@stackyard/shared-contracts';
import { AuditRecorder } from './audit-recorder';
import { IDENTITY_CLIENT } from './identity-client.token';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';

export { IDENTITY_CLIENT } from './identity-client.token';

const MAX_CACHED = 10_000;

/**
 * Resolves access tokens to principals through the identity service, which owns tokens. The api
 * keeps each answer for a few seconds, keyed by the token's hash (never the token), so the warm
 * path costs no round trip and a revoked token stops working within that bound.
 */
@Injectable()
export class PrincipalService {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
    private readonly audit: AuditRecorder,
  ) {}

  /** Drops every cached principal (after a change of grants, roles or memberships). */
  forgetAll(): void {
    this.cache.clear();
  }

  async resolve(token: string, requestId?: string): Promise<Principal> {
    if (token.length < 8 || token.length > 512 || !/^[\x21-\x7e]+$/.test(token)) {
      // Identity never sees these, so the refusal is recorded here (never the value).
      this.audit.recordEvent(
        {
          timestamp: Date.now(),
          organization: null,
          event: 'access_token_refused',
          description: `a malformed access token (${token.length} characters) was refused`,
          // The guard does not hand the address down; the request id leads to the access log.
          sourceIp: '',
          user: null,
          actorName: 'anonymous',
          actorUrn: 'urn:stackyard:anonymous',
          authFailure: true,
          ...(requestId ? { requestId } : {}),
        },
        { event: 'auth.token.refused', reason: 'malformed', length: token.length, requestId: requestId ?? null },
      );
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
