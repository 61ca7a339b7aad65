import { Injectable } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { OrganizationScope, Principal, StackScope } from '@stackyard/shared-contracts';
import { type AccessDecision, decideOrganization, decideStack, type StackFacts, stackAccess } from '@stackyard/shared-access';
import { validateOrgName, validateProjectName, validateStackName } from '@stackyard/stacks-domain';
import { type StackEntity, StackRepository } from '@stackyard/stacks-data-access';
import { AuditRecorder } from './audit-recorder';
import type { AuthenticatedRequest } from './request-context';

export interface StackRef {
  org: string;
  project: string;
  stack: string;
}

/** The facts of a stack row that access depends on. */
export function stackFacts(stack: StackEntity): StackFacts {
  return { organization: stack.orgName, project: stack.projectName, stack: stack.stackName, tags: stack.tags ?? {}, createdBy: stack.createdBy };
}

/**
 * Finds stacks on behalf of a principal and applies the one policy (`@stackyard/shared-access`).
 * A stack the caller may not see answers exactly like a missing one (404), so names do not leak;
 * a stack they see but may not act on answers 403. Every refusal is an audit event.
 */
@Injectable()
export class StackAccessService {
  constructor(
    private readonly stacks: StackRepository,
    private readonly audit: AuditRecorder,
  ) {}

  /** Owners whose stacks a principal might see: their organizations and their own login. */
  ownersOf(principal: Principal): string[] {
    return [...new Set([principal.login, ...principal.organizations.map((o) => o.name)])];
  }

  validateRef(ref: StackRef): void {
    const problem = validateOrgName(ref.org) ?? validateProjectName(ref.project) ?? validateStackName(ref.stack);
    if (problem) throw ApiError.badRequest(problem);
  }

  /** The stack, if the request's principal holds `scope` on it; else 404 / 403 (audited). */
  async authorize(req: AuthenticatedRequest, ref: StackRef, scope: StackScope): Promise<StackEntity> {
    this.validateRef(ref);
    const principal = req.principal as Principal;
    const stack = await this.stacks.findByName(ref.org, ref.project, ref.stack);
    if (!stack) {
      // A name nobody may see and a missing one must look the same; both are worth an audit line
      // only when the caller is outside the organization (probing), which a member's typo is not.
      if (!this.ownersOf(principal).includes(ref.org)) this.denied(req, ref.org, `${scope} on stack '${ref.org}/${ref.project}/${ref.stack}'`, 404);
      throw ApiError.notFound(`Stack '${ref.org}/${ref.project}/${ref.stack}' not found`);
    }
    this.enforce(req, stack, scope);
    return stack;
  }

  /** The same decision without an audit line (for a pre-check that the guard repeats). */
  async check(principal: Principal, ref: StackRef, scope: StackScope): Promise<StackEntity> {
    this.validateRef(ref);
    const stack = await this.stacks.findByName(ref.org, ref.project, ref.stack);
    if (!stack) throw ApiError.notFound(`Stack '${ref.org}/${ref.project}/${ref.stack}' not found`);
    const decision = decideStack(principal, stackFacts(stack), scope);
    if (!decision.allowed) throw decision.status === 404 ? ApiError.notFound(decision.message) : ApiError.forbidden(decision.message);
    return stack;
  }

  /** For a further check inside a handler (e.g. a `start` of an update kind that needs more than Read). */
  enforce(req: AuthenticatedRequest, stack: StackEntity, scope: StackScope): void {
    const decision = decideStack(req.principal as Principal, stackFacts(stack), scope);
    this.refuseUnless(req, decision, stack.orgName, `${scope} on stack '${stack.orgName}/${stack.projectName}/${stack.stackName}'`);
  }

  /** Organization-level actions the api decides itself (creating stacks). */
  enforceOrganization(req: AuthenticatedRequest, organization: string, scope: OrganizationScope): void {
    const problem = validateOrgName(organization);
    if (problem) throw ApiError.badRequest(problem);
    const decision = decideOrganization(req.principal as Principal, organization, scope);
    this.refuseUnless(req, decision, organization, `${scope} in organization '${organization}'`);
  }

  /** Whether the principal may read the stack (for lists, which leave out what the caller may not see). */
  canRead(principal: Principal, stack: StackEntity): boolean {
    return stackAccess(principal, stackFacts(stack)).scopes.has('stack:read');
  }

  /** For update-token calls, where the lease (checked next) is the authority, not a principal. */
  async findForLease(ref: StackRef): Promise<StackEntity> {
    this.validateRef(ref);
    const stack = await this.stacks.findByName(ref.org, ref.project, ref.stack);
    if (!stack) throw ApiError.notFound(`Stack '${ref.org}/${ref.project}/${ref.stack}' not found`);
    return stack;
  }

  private refuseUnless(req: AuthenticatedRequest, decision: AccessDecision, organization: string, what: string): void {
    if (decision.allowed) return;
    this.denied(req, organization, what, decision.status);
    throw decision.status === 404 ? ApiError.notFound(decision.message) : ApiError.forbidden(decision.message);
  }

  private denied(req: AuthenticatedRequest, organization: string, what: string, status: 403 | 404): void {
    this.audit.record(req, {
      organization,
      event: 'request_denied',
      description: `${req.method} ${req.path} refused (${status}): ${what}`,
      authFailure: true,
    });
  }
}
