import type { TokenKind } from '@stackyard/shared-contracts';

/**
 * The namespace a token's name is unique in (the `name_scope` column): a person's own tokens, or
 * an organization's machine tokens — organization and team tokens share their organization's
 * names, as in Pulumi Cloud, because audit lines name a token by organization and name.
 */
export function accessTokenNameScope(token: { kind: TokenKind; userId: string | null; orgId: string | null }): string {
  if (token.kind === 'personal') {
    if (!token.userId) throw new Error('a personal access token needs a user');
    return `user:${token.userId}`;
  }
  if (!token.orgId) throw new Error(`an ${token.kind} access token needs an organization`);
  return `org:${token.orgId}`;
}

/** Which tokens a listing shows: one person's personal tokens, an organization's, or a team's. */
export type AccessTokenOwnerFilter = { kind: 'personal'; userId: string } | { kind: 'organization'; orgId: string } | { kind: 'team'; orgId: string; teamId: string };
