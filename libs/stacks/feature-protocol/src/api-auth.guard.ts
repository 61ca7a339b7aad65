import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '@stackyard/shared-errors';
import { AUTH_MODE, AUTHORIZATION, type AuthMode, type Authorization } from './auth.decorators';
import { PrincipalService } from './principal.service';
import type { AuthenticatedRequest } from './request-context';
import { StackAccessService } from './stack-access.service';
import { UpdateLifecycleService } from './update-lifecycle.service';

/** Calls of a finished update that the CLI may legitimately retry. */
const RETRYABLE_AFTER_FINISH = /\/(complete|events\/batch)$/;

/**
 * The api's one authentication gate, applied to every route. `token …` resolves a principal
 * through identity; `update-token …` is checked here against the lease of the update named in the
 * path. Routes choose the accepted credential with the decorators in auth.decorators.ts.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalService,
    private readonly access: StackAccessService,
    private readonly lifecycle: UpdateLifecycleService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_MODE, [context.getHandler(), context.getClass()]) ?? 'token';
    if (mode === 'public') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // State uploads were authenticated before their body was read (StateUploadGate).
    if (mode === 'update-token' && req.lease) return true;
    if (mode === 'token' && req.principal) return this.authorize(context, req);
    const header = req.headers.authorization ?? '';
    const match = /^(token|update-token)\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw ApiError.unauthorized(header ? 'unsupported Authorization header; expected "token <access token>"' : 'No credentials provided or are invalid.');
    }
    const scheme = match[1].toLowerCase();
    const credential = match[2];
    if (scheme === 'token') {
      if (mode === 'update-token') throw ApiError.unauthorized('this call requires the update token issued when the update started');
      req.principal = await this.principals.resolve(credential, req.requestId);
      return this.authorize(context, req);
    }
    if (mode === 'token') throw ApiError.unauthorized('this call requires an access token, not an update token');
    const { org, project, stack, updateId } = req.params as Record<string, string | undefined>;
    if (!org || !project || !stack) throw ApiError.unauthorized('update tokens are valid only for update calls');
    const stackRow = await this.access.findForLease({ org, project, stack });
    if (mode === 'update-token') {
      if (!updateId) throw ApiError.unauthorized('update tokens are valid only for update calls');
      const update = await this.lifecycle.validateLease(stackRow, updateId, credential, RETRYABLE_AFTER_FINISH.test(req.path));
      req.lease = { stack: stackRow, update };
      return true;
    }
    // token-or-update-token (secrets calls): any running update of this stack vouches for the caller.
    const update = await this.lifecycle.validateAnyLease(stackRow, credential);
    req.lease = { stack: stackRow, update };
    return true;
  }

  /**
   * Authorization of an access-token call, from the route's declaration (auth.decorators.ts). A
   * route that declares nothing is refused: new routes cannot be unguarded by accident.
   */
  private async authorize(context: ExecutionContext, req: AuthenticatedRequest): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<Authorization | undefined>(AUTHORIZATION, [context.getHandler(), context.getClass()]);
    if (!declared) throw new Error(`route ${req.method} ${req.path} declares no authorization (auth.decorators.ts)`);
    const params = req.params as Record<string, string | undefined>;
    switch (declared.kind) {
      case 'stack':
        req.authorizedStack = await this.access.authorize(req, { org: params['org'] ?? '', project: params['project'] ?? '', stack: params['stack'] ?? '' }, declared.scope);
        return true;
      case 'organization':
        this.access.enforceOrganization(req, params['org'] ?? '', declared.scope);
        return true;
      case 'identity':
      case 'self':
        return true;
    }
  }
}
