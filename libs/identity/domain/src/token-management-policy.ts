import type { Principal } from '@stackyard/shared-contracts';

/**
 * What a caller may manage: access tokens of a person, an organization or a team, and an
 * organization's trusted OIDC issuers. Until RBAC lands (its own issue), this one function is the
 * whole rule, so that issue can replace it in one place:
 *  - personal tokens: a person, for themselves only (an organization or team token is no person);
 *  - organization tokens, team tokens, OIDC issuers and policies: admins of the organization
 *    (people, or organization tokens created as admin). Team admins come with RBAC.
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
    case 'team-tokens':
    case 'oidc-issuers':
      return actor.organizations.some((o) => o.name === resource.organization && o.role === 'admin');
  }
}

/** Whether the actor belongs to the organization at all (members learn it exists; others get 404). */
export function isMemberOf(actor: Principal, organization: string): boolean {
  return actor.organizations.some((o) => o.name === organization);
}
