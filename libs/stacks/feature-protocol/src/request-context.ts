import type { Request } from 'express';
import type { Principal } from '@stackyard/shared-contracts';
import type { StackEntity, UpdateEntity } from '@stackyard/stacks-data-access';

/** What authentication attached to a request: a user principal, or an update's lease. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  lease?: { stack: StackEntity; update: UpdateEntity };
  rawBody?: Buffer;
  requestId?: string;
}
