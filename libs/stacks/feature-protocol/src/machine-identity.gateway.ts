import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ActorRequest } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import type { InternalClient } from '@stackyard/shared-http';
import { IDENTITY_CLIENT } from './principal.service';
import type { AuthenticatedRequest } from './request-context';

/**
 * Token and OIDC-issuer administration lives in identity, which owns tokens, memberships and
 * issuers. The api forwards each REST call with the SHA-256 of the caller's own access token, so
 * identity decides who is calling and what they may do; the api vouches for nothing.
 */
@Injectable()
export class MachineIdentityGateway {
  constructor(@Inject(IDENTITY_CLIENT) private readonly identity: InternalClient) {}

  /** POSTs `payload` plus the caller's token hash; identity's 4xx come back as the same ApiError. */
  forward<T>(req: AuthenticatedRequest, path: string, payload: object): Promise<T> {
    const actor: ActorRequest = { actorTokenHash: actorTokenHash(req), sourceIp: req.ip ?? req.socket?.remoteAddress ?? '' };
    return this.identity.post<T>(path, { ...payload, ...actor }, req.requestId);
  }
}

/** The SHA-256 of the caller's own access token, which identity resolves itself (it trusts no claim of the api's). */
export function actorTokenHash(req: AuthenticatedRequest): string {
  const match = /^token\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  // The guard already required an access token; this is the same header, hashed as for resolution.
  if (!match) throw ApiError.unauthorized('this call requires an access token');
  return createHash('sha256').update(match[1]).digest('hex');
}
