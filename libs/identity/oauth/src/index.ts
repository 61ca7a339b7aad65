// OAuth 2.0 sign-in at code hosts (GitHub Enterprise, GitLab, Bitbucket Data Center): one
// OAuthProvider per configured provider, made by createOAuthProvider.
export * from './oauth-provider-config';
export * from './oauth-provider.error';
export * from './oauth-provider';
export * from './pkce';
export { nextLink } from './provider-http';
export * from './github-enterprise.provider';
export * from './gitlab.provider';
export * from './bitbucket-data-center.provider';
export * from './create-oauth-provider';
