import { Injectable } from '@nestjs/common';
import { ApiError } from '@stackyard/shared-errors';
import type { Principal } from '@stackyard/shared-contracts';
import { validateOrgName, validateProjectName, validateStackName } from '@stackyard/stacks-domain';
import { type StackEntity, StackRepository } from '@stackyard/stacks-data-access';

export interface StackRef {
  org: string;
  project: string;
  stack: string;
}

/**
 * Finds stacks on behalf of a principal. Until roles arrive (their own issue), access is
 * membership of the owning organization, or the user's own name as owner. A stack the caller may
 * not see answers exactly like a missing one (404), so names do not leak.
 */
@Injectable()
export class StackAccessService {
  constructor(private readonly stacks: StackRepository) {}

  ownersOf(principal: Principal): string[] {
    return [...new Set([principal.login, ...principal.organizations.map((o) => o.name)])];
  }

  canUseOwner(principal: Principal, org: string): boolean {
    return this.ownersOf(principal).includes(org);
  }

  validateRef(ref: StackRef): void {
    const problem = validateOrgName(ref.org) ?? validateProjectName(ref.project) ?? validateStackName(ref.stack);
    if (problem) throw ApiError.badRequest(problem);
  }

  async find(principal: Principal, ref: StackRef): Promise<StackEntity> {
    this.validateRef(ref);
    const stack = this.canUseOwner(principal, ref.org) ? await this.stacks.findByName(ref.org, ref.project, ref.stack) : null;
    if (!stack) throw ApiError.notFound(`Stack '${ref.org}/${ref.project}/${ref.stack}' not found`);
    return stack;
  }

  /** For update-token calls, where the lease (checked next) is the authority, not a principal. */
  async findForLease(ref: StackRef): Promise<StackEntity> {
    this.validateRef(ref);
    const stack = await this.stacks.findByName(ref.org, ref.project, ref.stack);
    if (!stack) throw ApiError.notFound(`Stack '${ref.org}/${ref.project}/${ref.stack}' not found`);
    return stack;
  }
}
