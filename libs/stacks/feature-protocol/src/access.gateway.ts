import { Inject, Injectable } from '@nestjs/common';
import { type AccessOperationRequest, type IdentityAccessOperation, identityAccessPath } from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import { IDENTITY_CLIENT } from './identity-client.token';
import { actorTokenHash } from './machine-identity.gateway';
import { PrincipalService } from './principal.service';
import type { AuthenticatedRequest } from './request-context';

/**
 * Organizations, members, teams and roles live in identity, which decides with the caller's own
 * token (its hash) and the shared policy library. The api forwards; after a change it drops its
 * cached principals so the next request anywhere on this replica sees the new access.
 */
@Injectable()
export class AccessGateway {
  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    private readonly principals: PrincipalService,
  ) {}

  read<T>(req: AuthenticatedRequest, org: string, operation: IdentityAccessOperation, extra: Partial<AccessOperationRequest> = {}): Promise<T> {
    return this.identity.post<T>(identityAccessPath(org, operation), this.body(req, extra), req.requestId);
  }

  async change<T>(req: AuthenticatedRequest, org: string, operation: IdentityAccessOperation, extra: Partial<AccessOperationRequest> = {}): Promise<T> {
    try {
      return await this.identity.post<T>(identityAccessPath(org, operation), this.body(req, extra), req.requestId);
    } finally {
      // Also after a failure: the change may have been made before the answer was lost.
      this.principals.forgetAll();
    }
  }

  private body(req: AuthenticatedRequest, extra: Partial<AccessOperationRequest>): AccessOperationRequest {
    return { ...extra, actorTokenHash: actorTokenHash(req), sourceIp: req.ip ?? req.socket?.remoteAddress ?? '' };
  }
}
