import { BitbucketDataCenterProvider } from './bitbucket-data-center.provider';
import { GitHubEnterpriseProvider } from './github-enterprise.provider';
import { GitLabProvider } from './gitlab.provider';
import type { OAuthProvider } from './oauth-provider';
import type { OAuthProviderConfig } from './oauth-provider-config';

/** The client for one configured provider (its configuration already checked by `oauthProviderConfigProblems`). */
export function createOAuthProvider(config: OAuthProviderConfig): OAuthProvider {
  switch (config.kind) {
    case 'github-enterprise':
      return new GitHubEnterpriseProvider(config);
    case 'gitlab':
      return new GitLabProvider(config);
    case 'bitbucket-data-center':
      return new BitbucketDataCenterProvider(config);
  }
}
