import type { Request } from 'express';
import type { Principal } from '@stackyard/shared-contracts';
import type { StackEntity, UpdateEntity } from '@stackyard/stacks-data-access';

/** What authentication attached to a request: a user principal, or an update's lease. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  lease?: { stack: StackEntity; update: UpdateEntity };
  /** The stack named in the path, once the guard decided the principal may act on it. */
  authorizedStack?: StackEntity;
  rawBody?: Buffer;
  requestId?: string;
}
