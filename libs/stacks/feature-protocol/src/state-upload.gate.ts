import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { AuthenticatedRequest } from './request-context';
import { PrincipalService } from './principal.service';
import { PROTOCOL_SETTINGS, type ProtocolSettings } from './protocol-settings';
import { StackAccessService } from './stack-access.service';
import { UpdateLifecycleService } from './update-lifecycle.service';

const CHECKPOINT = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/update\/([^/]+)\/(?:checkpoint(?:verbatim|delta)?|journalentries)$/;
const IMPORT = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/import$/;

/**
 * State uploads may be very large (STACKYARD_MAX_STATE_BYTES), so their credentials are checked
 * before the body is read: only the holder of a live lease (checkpoint, journal entries) or a user who can see the
 * stack (import) can make the api inflate and hold that much. The guard checks again afterwards,
 * as for every route.
 */
@Injectable()
export class StateUploadGate {
  constructor(
    private readonly principals: PrincipalService,
    private readonly access: StackAccessService,
    private readonly lifecycle: UpdateLifecycleService,
    @Inject(PROTOCOL_SETTINGS) private readonly settings: ProtocolSettings,
  ) {}

  /**
   * Returns what it authenticated, for the request: the route guard then accepts it as is
   * instead of looking the same lease or token up a second time on the checkpoint hot path.
   */
  async check(authorization: string | undefined, path: string, requestId?: string): Promise<Pick<AuthenticatedRequest, 'lease' | 'principal'> | undefined> {
    // Journal batches may be large too, but the route only exists for the CLI when journaling is on.
    if (path.endsWith('/journalentries') && this.settings.journaling !== true) return;
    const checkpoint = CHECKPOINT.exec(path);
    const imported = checkpoint ? null : IMPORT.exec(path);
    if (!checkpoint && !imported) return;
    const match = /^(token|update-token)\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw ApiError.unauthorized('No credentials provided or are invalid.');
    const [scheme, credential] = [match[1].toLowerCase(), match[2]];
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw ApiError.badRequest('malformed path');
      }
    };
    if (checkpoint) {
      if (scheme !== 'update-token') throw ApiError.unauthorized('this call requires the update token issued when the update started');
      const [, org, project, stack, updateId] = checkpoint.map((s) => decode(s));
      const stackRow = await this.access.findForLease({ org: org, project: project, stack: stack });
      return { lease: { stack: stackRow, update: await this.lifecycle.validateLease(stackRow, updateId, credential, false) } };
    }
    if (scheme !== 'token') throw ApiError.unauthorized('this call requires an access token, not an update token');
    const [, org, project, stack] = imported!.map((s) => decode(s));
    const principal = await this.principals.resolve(credential, requestId);
    // Not audited here: the route guard decides again once the body is in, and records a refusal.
    await this.access.check(principal, { org: org, project: project, stack: stack }, 'stack:update');
    return { principal };
  }
}
