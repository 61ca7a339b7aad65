import type { TeamMapping } from '@stackyard/identity-domain';
import type { OAuthProvider } from '@stackyard/identity-oauth';

/** One configured OAuth sign-in method (a GitHub Enterprise, GitLab or Bitbucket Data Center app). */
export interface OAuthMethod {
  id: string;
  displayName: string;
  /** The organization its users join (created on first sign-in if missing). */
  organization: string;
  /** Provider groups (GitHub `org` or `org/team`, GitLab group path, Bitbucket project key) → teams. */
  teamMappings: TeamMapping[];
  /**
   * When not empty, only people in at least one of these groups (same notation as the mappings)
   * may sign in: a company's GitHub Enterprise has accounts that are not Stackyard's users.
   */
  allowedGroups: string[];
  provider: OAuthProvider;
}

/** How long a started OAuth sign-in can be completed, unless configured otherwise. */
export const DEFAULT_OAUTH_STATE_TTL_MS = 10 * 60_000;

/** The callback URL of a method on the console (registered at the provider as the redirect URI). */
export function oauthCallbackUrl(consoleUrl: string, methodId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/login/oauth/${encodeURIComponent(methodId)}/callback`;
}
