import { STACK_SCOPES, type Principal, type StackAccessExplanation } from '@stackyard/shared-contracts';
import { decideStack, type StackFacts, stackAccess } from './stack-access';

/**
 * Why a principal has what they have on a stack: every contributing source (their union is the
 * access) and, per stack scope, what a request needing it would be answered — by the same
 * `decideStack` the routes use, so the explanation cannot drift from enforcement.
 */
export function explainStackAccess(principal: Principal, stack: StackFacts): StackAccessExplanation {
  const access = stackAccess(principal, stack);
  return {
    organization: stack.organization,
    projectName: stack.project,
    stackName: stack.stack,
    user: principal.login,
    permission: access.permission,
    scopes: STACK_SCOPES.filter((s) => access.scopes.has(s)),
    reasons: access.reasons,
    actions: STACK_SCOPES.map((scope) => {
      const decision = decideStack(principal, stack, scope, access);
      return decision.allowed ? { action: scope, allowed: true } : { action: scope, allowed: false, status: decision.status, reason: decision.message };
    }),
  };
}

/** A principal standing for a member as identity describes them (for explaining someone else's access). */
export function memberPrincipal(login: string, access: NonNullable<Principal['access']>[number]): Principal {
  return {
    userId: `member:${login}`,
    login,
    name: login,
    email: '',
    avatarUrl: '',
    siteAdmin: false,
    organizations: [{ name: access.organization, role: access.role }],
    teams: access.grants.flatMap((g) => (g.via.kind === 'team' ? [{ organization: access.organization, team: g.via.team }] : [])),
    token: { id: '', name: '', kind: 'personal' },
    access: [access],
  };
}
