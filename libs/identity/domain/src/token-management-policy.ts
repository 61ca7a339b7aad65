import { decideOrganization, decideTeam } from '@stackyard/shared-access';
import type { Principal } from '@stackyard/shared-contracts';

/**
 * What a caller may manage: access tokens of a person, an organization or a team, and an
 * organization's trusted OIDC issuers. One function, on top of the RBAC policy library:
 *  - personal tokens: a person, for themselves only (an organization or team token is no person);
 *  - organization tokens, OIDC issuers and their policies: the `token:manage` scope (organization
 *    admins — people or admin organization tokens — and custom roles that grant it);
 *  - team tokens: `token:manage`, or the team's own admins (who manage their team).
 */
export type ManagedResource =
  | { kind: 'personal-tokens'; userId: string }
  | { kind: 'organization-tokens'; organization: string }
  | { kind: 'team-tokens'; organization: string; team: string }
  | { kind: 'oidc-issuers'; organization: string };

export function mayManage(actor: Principal, resource: ManagedResource): boolean {
  switch (resource.kind) {
    case 'personal-tokens':
      return actor.token.kind === 'personal' && actor.userId !== '' && actor.userId === resource.userId;
    case 'organization-tokens':
    case 'oidc-issuers':
      return decideOrganization(actor, resource.organization, 'token:manage').allowed;
    case 'team-tokens':
      // A team token cannot mint siblings for itself: team admins are people.
      return decideOrganization(actor, resource.organization, 'token:manage').allowed || (actor.userId !== '' && decideTeam(actor, resource.organization, resource.team).allowed);
  }
}

/** Whether the actor belongs to the organization at all (members learn it exists; others get 404). */
export function isMemberOf(actor: Principal, organization: string): boolean {
  return actor.organizations.some((o) => o.name === organization);
}
