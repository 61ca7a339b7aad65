import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import { explainStackAccess, memberPrincipal } from '@stackyard/shared-access';
import {
  identityMemberAccessPath,
  type MemberAccessRequest,
  type MemberAccessResponse,
  type Principal,
  type StackAccessExplanation,
} from '@stackyard/shared-contracts';
import type { InternalClient } from '@stackyard/shared-http';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { RequiresStack } from './auth.decorators';
import { actorTokenHash } from './machine-identity.gateway';
import { IDENTITY_CLIENT } from './principal.service';
import type { AuthenticatedRequest } from './request-context';
import { StackAccessService, stackFacts } from './stack-access.service';
import { AuthorizedStack } from './stack-params';

/** Why someone has the access they have on a stack: each grant, role and default that contributes. */
@Controller('api')
export class StackAccessController {
  constructor(
    private readonly access: StackAccessService,
    @Inject(IDENTITY_CLIENT) private readonly identity: InternalClient,
  ) {}

  /** The caller's own access to a stack they can see. */
  @RequiresStack('stack:read')
  @Get('stacks/:org/:project/:stack/access')
  mine(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity): StackAccessExplanation {
    return explainStackAccess(req.principal as Principal, stackFacts(stack));
  }

  /**
   * Pulumi's console route: a member's effective permission on a stack. Anyone may ask about
   * themselves; asking about others needs the right to change the stack's access (stack admins,
   * organization admins).
   */
  @RequiresStack('stack:read')
  @Get('console/orgs/:org/members/:login/stacks/:project/:stack')
  async member(@Req() req: AuthenticatedRequest, @AuthorizedStack() stack: StackEntity, @Param('login') login: string): Promise<StackAccessExplanation> {
    const principal = req.principal as Principal;
    if (login === principal.login && principal.userId !== '') return explainStackAccess(principal, stackFacts(stack));
    this.access.enforce(req, stack, 'stack:access');
    const body: MemberAccessRequest = { actorTokenHash: actorTokenHash(req), login };
    const member = await this.identity.post<MemberAccessResponse>(identityMemberAccessPath(stack.orgName), body, req.requestId);
    return explainStackAccess(memberPrincipal(member.login, member.access), stackFacts(stack));
  }
}
