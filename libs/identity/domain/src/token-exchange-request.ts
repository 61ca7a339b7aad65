import {
  OAUTH_GRANT_TOKEN_EXCHANGE,
  OAUTH_TOKEN_TYPE_ID_TOKEN,
  OAUTH_TOKEN_TYPE_JWT,
  type OAuthErrorCode,
  PULUMI_ACCESS_TOKEN_TYPES,
  PULUMI_ORG_AUDIENCE_PREFIX,
  type TokenKind,
} from '@stackyard/shared-contracts';
import { isValidLogin, isValidOrganizationName } from './names';
import { ADMIN_PERMISSION, type RequestedToken } from './oidc-auth-policy';

/**
 * The parameters of `POST /api/oauth/token` as the Pulumi CLI sends them for `pulumi login
 * --oidc-token` (pkg/backend/httpstate/client `ExchangeOidcToken`): RFC 8693's token exchange,
 * `audience=urn:pulumi:org:<org>`, `requested_token_type=urn:pulumi:token-type:access_token:<kind>`
 * and `scope` `team:<team>`, `user:<login>` or (organization tokens) `admin`.
 */
export interface TokenExchangeRequest {
  organization: string;
  requested: RequestedToken;
  /** The scope as asked, echoed in the answer. */
  scope: string;
  subjectToken: string;
  /** Requested lifetime in seconds; undefined when not asked (or 0). */
  expirationSeconds?: number;
}

export type ParsedTokenExchange = { ok: true; request: TokenExchangeRequest } | { ok: false; error: OAuthErrorCode; description: string };

const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function refuse(error: OAuthErrorCode, description: string): ParsedTokenExchange {
  return { ok: false, error, description };
}

function kindOf(requestedTokenType: string | undefined): TokenKind | undefined {
  if (requestedTokenType === undefined || requestedTokenType === '') return 'organization';
  return (Object.entries(PULUMI_ACCESS_TOKEN_TYPES) as Array<[TokenKind, string]>).find(([, urn]) => urn === requestedTokenType)?.[0];
}

/** Checks the request's form; the subject token itself is verified later, against its issuer. */
export function parseTokenExchange(parameters: Readonly<Record<string, string>>): ParsedTokenExchange {
  const grantType = parameters['grant_type'];
  if (grantType === undefined || grantType === '') return refuse('invalid_request', 'grant_type is required');
  if (grantType === 'refresh_token') return refuse('unsupported_grant_type', 'this server issues no refresh tokens; log in again with --oidc-token');
  if (grantType !== OAUTH_GRANT_TOKEN_EXCHANGE) return refuse('unsupported_grant_type', `grant_type must be ${OAUTH_GRANT_TOKEN_EXCHANGE}`);
  const subjectTokenType = parameters['subject_token_type'];
  if (subjectTokenType !== OAUTH_TOKEN_TYPE_ID_TOKEN && subjectTokenType !== OAUTH_TOKEN_TYPE_JWT) {
    return refuse('invalid_request', `subject_token_type must be ${OAUTH_TOKEN_TYPE_ID_TOKEN}`);
  }
  const subjectToken = parameters['subject_token'];
  if (!subjectToken) return refuse('invalid_request', 'subject_token is required: the OIDC token (JWT) to exchange');
  if (parameters['actor_token'] !== undefined || parameters['actor_token_type'] !== undefined) return refuse('invalid_request', 'delegation (actor_token) is not supported');
  if (parameters['resource'] !== undefined) return refuse('invalid_target', 'resource is not supported; name the organization in audience');
  const audience = parameters['audience'] ?? '';
  const organization = audience.startsWith(PULUMI_ORG_AUDIENCE_PREFIX) ? audience.slice(PULUMI_ORG_AUDIENCE_PREFIX.length) : undefined;
  if (!isValidOrganizationName(organization)) return refuse('invalid_target', `audience must be ${PULUMI_ORG_AUDIENCE_PREFIX}<organization> (pulumi login --oidc-org)`);
  const kind = kindOf(parameters['requested_token_type']);
  if (!kind) return refuse('invalid_request', `requested_token_type must be one of ${Object.values(PULUMI_ACCESS_TOKEN_TYPES).join(', ')}`);
  const scope = (parameters['scope'] ?? '').trim();
  const requested: RequestedToken = { kind, admin: false };
  for (const item of scope.split(/\s+/).filter(Boolean)) {
    if (item === ADMIN_PERMISSION) requested.admin = true;
    else if (item.startsWith('team:') && TEAM_NAME.test(item.slice(5)) && requested.team === undefined) requested.team = item.slice(5);
    else if (item.startsWith('user:') && isValidLogin(item.slice(5)) && requested.user === undefined) requested.user = item.slice(5);
    else return refuse('invalid_scope', `scope '${item.slice(0, 80)}' is not understood; use team:<team>, user:<login> or admin`);
  }
  if (kind === 'team' && (requested.team === undefined || requested.user !== undefined || requested.admin)) {
    return refuse('invalid_scope', 'a team token needs scope team:<team> (pulumi login --oidc-team) and nothing else');
  }
  if (kind === 'personal' && (requested.user === undefined || requested.team !== undefined || requested.admin)) {
    return refuse('invalid_scope', 'a personal token needs scope user:<login> (pulumi login --oidc-user) and nothing else');
  }
  if (kind === 'organization' && (requested.team !== undefined || requested.user !== undefined)) {
    return refuse('invalid_scope', `scope ${requested.team !== undefined ? 'team:' : 'user:'}… asks for a ${requested.team !== undefined ? 'team' : 'personal'} token, but requested_token_type is the organization's`);
  }
  const rawExpiration = parameters['expiration'];
  let expirationSeconds: number | undefined;
  if (rawExpiration !== undefined && rawExpiration !== '') {
    if (!/^\d{1,10}$/.test(rawExpiration)) return refuse('invalid_request', 'expiration must be a whole number of seconds');
    const seconds = Number(rawExpiration);
    if (seconds > 0) expirationSeconds = seconds;
  }
  return { ok: true, request: { organization, requested, scope, subjectToken, ...(expirationSeconds !== undefined ? { expirationSeconds } : {}) } };
}
