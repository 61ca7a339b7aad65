import { Inject, Injectable, Logger } from '@nestjs/common';
import { identityStackGrantsMovedPath, type StackGrantsMovedRequest } from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { IDENTITY_CLIENT, PrincipalService } from './principal.service';

/**
 * Identity keeps team and user grants by stack name; the api owns the names. When a stack is
 * renamed, its grants follow; when it leaves the organization (deleted, transferred), they go —
 * else a new stack created under the old name would inherit them. This api's cached principals
 * are dropped after the move (other replicas follow within the principal cache's few seconds).
 */
@Injectable()
export class StackGrantsGateway {
  private readonly logger = new Logger(StackGrantsGateway.name);

  constructor(
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
    private readonly principals: PrincipalService,
  ) {}

  async moved(stack: StackEntity, to: { project: string; stack: string } | undefined, requestId?: string): Promise<void> {
    const body: StackGrantsMovedRequest = { from: { project: stack.projectName, stack: stack.stackName }, ...(to ? { to } : {}) };
    // The stack change has happened; a failure here must be loud (stale grants), and is retried once.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.identity.post(identityStackGrantsMovedPath(stack.orgName), body, requestId);
        // Resolved principals carry grants by stack name: the next request must see the new name's.
        this.principals.forgetAll();
        return;
      } catch (error) {
        if (attempt >= 2) {
          this.logger.error(`grants of stack ${stack.orgName}/${stack.projectName}/${stack.stackName} were not ${to ? 'moved' : 'removed'}: ${(error as Error).message}`);
          return;
        }
      }
    }
  }
}
