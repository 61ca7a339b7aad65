import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { FakeOAuthExchange, FakeOAuthProviderKind } from './oauth-provider.fake';
import { jsonSchemaValidator, OpenApiDocument, type ResponseValidator } from './openapi-response.validator';
import { MissingPeerError } from './require-peer.util';

/**
 * The vendors' published descriptions of what the OAuth provider fakes imitate, and the lookup
 * from a recorded fake answer to the schema it must satisfy.
 *
 * - GitHub Enterprise Server: GitHub's own OpenAPI description, `generated/ghes-3.19.json` of npm
 *   `@octokit/openapi` 23.0.2 (MIT), provisioned by `scripts/peers/ghes-openapi.sh` into
 *   `~/.cache/stackyard/specs/` (the package is too large to be a dependency).
 * - Bitbucket Data Center: Atlassian publishes an OpenAPI 3.0 description of the REST API
 *   (`dac-static.atlassian.com/server/bitbucket/9.2.swagger.v3.json`), but no package registry
 *   reachable here carries it; the schemas below transcribe its `RestApplicationUser`,
 *   `RestProject`, `RestApplicationProperties`, `RestErrorMessage` and the paged `/projects`
 *   answer (9.2). When `STACKYARD_BITBUCKET_DC_OPENAPI` names a copy of that file, the fakes are
 *   checked against it as well.
 * - GitLab: the REST API's OpenAPI description lives only in the gitlab repository
 *   (`doc/api/openapi/openapi_v3.yaml`, CC BY-SA 4.0), not in any registry reachable here; the
 *   schemas below follow the documented response attributes of
 *   https://docs.gitlab.com/api/users/#retrieve-the-current-user and
 *   https://docs.gitlab.com/api/groups/#list-groups.
 * - The OAuth legs (authorize redirect, token endpoint) are in no REST description: their schemas
 *   follow RFC 6749 §4.1.2 and §5.1–5.2 and each vendor's OAuth page: GitHub "Authorizing OAuth
 *   apps" and "Troubleshooting OAuth app access token request errors"; GitLab "OAuth 2.0 identity
 *   provider API" (https://docs.gitlab.com/api/oauth2/); Atlassian "Bitbucket OAuth 2.0 provider
 *   API" (Bitbucket Data Center 9.x documentation).
 *
 * Hand-written schemas are closed (`additionalProperties: false`): a fake that grows a field the
 * vendor does not document fails, as does one that drops or retypes a documented one.
 */

export const GHES_OPENAPI_PACKAGE = '@octokit/openapi@23.0.2';
export const GHES_OPENAPI_VERSION = '3.19';
const GHES_HINT = 'bash scripts/peers/ghes-openapi.sh (npm pack @octokit/openapi and extract generated/ghes-3.19.json into ~/.cache/stackyard/specs)';

/** Where `scripts/peers/ghes-openapi.sh` caches the GHES description (`STACKYARD_GHES_OPENAPI` overrides). */
export function ghesOpenApiPath(): string {
  const cache = process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard');
  return process.env['STACKYARD_GHES_OPENAPI'] ?? join(cache, 'specs', 'octokit-openapi-23.0.2', `ghes-${GHES_OPENAPI_VERSION}.json`);
}

let ghes: OpenApiDocument | undefined;

/** GitHub's GHES 3.19 OpenAPI description; MissingPeerError (never a skip) when not provisioned. */
export function ghesOpenApi(): OpenApiDocument {
  if (ghes) return ghes;
  const path = ghesOpenApiPath();
  if (!existsSync(path)) throw new MissingPeerError('GHES OpenAPI description', `${path} does not exist`, GHES_HINT);
  const document = JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof OpenApiDocument>[0] & { info?: { version?: string } };
  ghes = new OpenApiDocument(document, 'ghes');
  return ghes;
}

/** Atlassian's Bitbucket Data Center OpenAPI description, when a copy is named by STACKYARD_BITBUCKET_DC_OPENAPI. */
export function bitbucketDcOpenApi(): OpenApiDocument | undefined {
  const path = process.env['STACKYARD_BITBUCKET_DC_OPENAPI'];
  if (!path) return undefined;
  return new OpenApiDocument(JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof OpenApiDocument>[0], 'bitbucket-dc');
}

// ---- the OAuth legs ------------------------------------------------------------------------------

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const closed = (properties: Record<string, object>, required: string[]) => ({ type: 'object', properties, required, additionalProperties: false });

/** RFC 6749 §4.1.2 (code) and §4.1.2.1 (error) as query parameters; GitHub adds `error_uri` on denial. */
const AUTHORIZE_REDIRECT = {
  oneOf: [
    closed({ code: { type: 'string', minLength: 1 }, state: str }, ['code', 'state']),
    closed(
      {
        error: { enum: ['access_denied', 'invalid_request', 'unauthorized_client', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable', 'application_suspended', 'redirect_uri_mismatch'] },
        error_description: str,
        error_uri: { type: 'string', format: 'uri' },
        state: str,
      },
      ['error', 'state'],
    ),
  ],
};

const TOKEN_ERROR_CODES = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];

const TOKEN_SCHEMAS: Record<FakeOAuthProviderKind, { ok: object; error: object }> = {
  // "Authorizing OAuth apps", step 2: access_token, scope (comma-separated), token_type "bearer";
  // errors come with status 200: error, error_description, error_uri.
  'github-enterprise': {
    ok: closed({ access_token: { type: 'string', minLength: 1 }, scope: str, token_type: { const: 'bearer' } }, ['access_token', 'scope', 'token_type']),
    error: closed(
      { error: { enum: ['bad_verification_code', 'incorrect_client_credentials', 'redirect_uri_mismatch', 'unverified_user_email', 'bad_refresh_token', 'unsupported_grant_type'] }, error_description: str, error_uri: { type: 'string', format: 'uri' } },
      ['error', 'error_description'],
    ),
  },
  // "OAuth 2.0 identity provider API": access_token, token_type "Bearer", expires_in, refresh_token, scope, created_at.
  gitlab: {
    ok: closed({ access_token: { type: 'string', minLength: 1 }, token_type: { const: 'Bearer' }, expires_in: int, refresh_token: str, scope: str, created_at: int, id_token: str }, [
      'access_token',
      'token_type',
      'expires_in',
      'refresh_token',
      'scope',
      'created_at',
    ]),
    error: closed({ error: { enum: TOKEN_ERROR_CODES }, error_description: str }, ['error']),
  },
  // "Bitbucket OAuth 2.0 provider API": scope, access_token, expires_in, token_type "bearer", refresh_token.
  'bitbucket-data-center': {
    ok: closed({ scope: str, access_token: { type: 'string', minLength: 1 }, expires_in: int, token_type: { const: 'bearer' }, refresh_token: str }, ['scope', 'access_token', 'expires_in', 'token_type']),
    error: closed({ error: { enum: TOKEN_ERROR_CODES }, error_description: str }, ['error']),
  },
};

// ---- GitLab REST (docs.gitlab.com/api/users, /api/groups) ----------------------------------------

const GITLAB_USER = closed(
  {
    id: int,
    username: str,
    email: str,
    name: str,
    state: { enum: ['active', 'blocked', 'deactivated', 'banned', 'ldap_blocked', 'blocked_pending_approval'] },
    locked: bool,
    avatar_url: nullableStr,
    web_url: str,
    created_at: dateTime,
    bio: str,
    location: nullableStr,
    public_email: nullableStr,
    skype: str,
    linkedin: str,
    twitter: str,
    discord: str,
    website_url: str,
    organization: nullableStr,
    job_title: str,
    pronouns: nullableStr,
    bot: bool,
    work_information: nullableStr,
    followers: int,
    following: int,
    local_time: nullableStr,
    last_sign_in_at: { type: ['string', 'null'], format: 'date-time' },
    confirmed_at: { type: ['string', 'null'], format: 'date-time' },
    theme_id: int,
    last_activity_on: { type: ['string', 'null'], format: 'date' },
    color_scheme_id: int,
    projects_limit: int,
    current_sign_in_at: { type: ['string', 'null'], format: 'date-time' },
    identities: { type: 'array', items: closed({ provider: str, extern_uid: str, saml_provider_id: { type: ['integer', 'null'] } }, ['provider', 'extern_uid']) },
    can_create_group: bool,
    can_create_project: bool,
    two_factor_enabled: bool,
    external: bool,
    private_profile: bool,
    commit_email: str,
  },
  ['id', 'username', 'name', 'state', 'locked', 'avatar_url', 'web_url'],
);

const GITLAB_GROUP = closed(
  {
    id: int,
    web_url: str,
    name: str,
    path: str,
    description: str,
    visibility: { enum: ['private', 'internal', 'public'] },
    share_with_group_lock: bool,
    require_two_factor_authentication: bool,
    two_factor_grace_period: int,
    project_creation_level: { enum: ['noone', 'owner', 'maintainer', 'developer', 'administrator'] },
    auto_devops_enabled: { type: ['boolean', 'null'] },
    subgroup_creation_level: { enum: ['owner', 'maintainer'] },
    emails_disabled: { type: ['boolean', 'null'] },
    emails_enabled: { type: ['boolean', 'null'] },
    mentions_disabled: { type: ['boolean', 'null'] },
    lfs_enabled: bool,
    default_branch: nullableStr,
    default_branch_protection: int,
    default_branch_protection_defaults: { type: 'object' },
    avatar_url: nullableStr,
    request_access_enabled: bool,
    repository_storage: str,
    full_name: str,
    full_path: str,
    file_template_project_id: { type: ['integer', 'null'] },
    parent_id: { type: ['integer', 'null'] },
    created_at: dateTime,
    ip_restriction_ranges: nullableStr,
  },
  ['id', 'web_url', 'name', 'path', 'visibility', 'full_name', 'full_path', 'parent_id', 'created_at'],
);

// ---- Bitbucket Data Center REST (9.2 description, transcribed) ----------------------------------

const BITBUCKET_LINKS = { type: 'object' };
const BITBUCKET_USER = closed(
  { active: bool, avatarUrl: str, displayName: str, emailAddress: str, id: { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }, links: BITBUCKET_LINKS, name: str, slug: str, type: { enum: ['NORMAL', 'SERVICE'] } },
  ['active', 'displayName', 'id', 'name', 'slug', 'type'],
);
const BITBUCKET_PROJECT = closed(
  { avatar: str, avatarUrl: str, description: str, id: int, key: str, links: BITBUCKET_LINKS, name: { type: 'string', pattern: '^[^~].*' }, public: bool, scope: str, type: { enum: ['NORMAL', 'PERSONAL'] } },
  ['id', 'key', 'name', 'type'],
);
const bitbucketPage = (item: object) =>
  closed({ isLastPage: bool, limit: { type: 'number' }, nextPageStart: int, size: { type: 'number' }, start: int, values: { type: 'array', items: item } }, ['isLastPage', 'limit', 'size', 'start', 'values']);
const BITBUCKET_ERRORS = closed({ errors: { type: 'array', items: closed({ context: str, exceptionName: str, message: str }, []) } }, ['errors']);

/** Operation and status → hand-written schema (the operations the fakes answer). */
const HAND_WRITTEN: Record<FakeOAuthProviderKind, Record<string, object>> = {
  'github-enterprise': {},
  gitlab: {
    'GET /user 200': GITLAB_USER,
    'GET /groups 200': { type: 'array', items: GITLAB_GROUP },
    // docs.gitlab.com/api/rest/troubleshooting: `{"message": "401 Unauthorized"}`, insufficient_scope for 403.
    'GET /user 401': closed({ message: { const: '401 Unauthorized' } }, ['message']),
    'GET /groups 401': closed({ message: { const: '401 Unauthorized' } }, ['message']),
    'GET /user 403': closed({ error: { const: 'insufficient_scope' }, error_description: str, scope: str }, ['error']),
    'GET /groups 403': closed({ error: { const: 'insufficient_scope' }, error_description: str, scope: str }, ['error']),
  },
  'bitbucket-data-center': {
    'GET /application-properties 200': closed({ buildDate: str, buildNumber: str, displayName: str, version: str }, ['buildDate', 'buildNumber', 'displayName', 'version']),
    'GET /users/{userSlug} 200': BITBUCKET_USER,
    'GET /users/{userSlug} 404': BITBUCKET_ERRORS,
    'GET /users 200': bitbucketPage(BITBUCKET_USER),
    'GET /projects 200': bitbucketPage(BITBUCKET_PROJECT),
    'GET /application-properties 401': BITBUCKET_ERRORS,
    'GET /users/{userSlug} 401': BITBUCKET_ERRORS,
    'GET /users 401': BITBUCKET_ERRORS,
    'GET /projects 401': BITBUCKET_ERRORS,
  },
};

/** The GHES description's operations the fake answers (paths as in the description). */
const GHES_OPERATIONS: Record<string, [string, string]> = {
  'GET /user': ['/user', 'get'],
  'GET /user/orgs': ['/user/orgs', 'get'],
  'GET /user/teams': ['/user/teams', 'get'],
};

/** Bitbucket fake operations → paths of Atlassian's description (whose server URL ends in `/rest`). */
const BITBUCKET_OPERATIONS: Record<string, [string, string]> = {
  'GET /application-properties': ['/api/latest/application-properties', 'get'],
  'GET /users/{userSlug}': ['/api/latest/users/{userSlug}', 'get'],
  'GET /projects': ['/api/latest/projects', 'get'],
};

const TOKEN_PATHS: Record<FakeOAuthProviderKind, string> = {
  'github-enterprise': 'POST /login/oauth/access_token',
  gitlab: 'POST /oauth/token',
  'bitbucket-data-center': 'POST /rest/oauth2/latest/token',
};

const cache = new Map<string, ResponseValidator[]>();

/**
 * The validators a recorded answer must pass: its vendor description's schema (GHES; Bitbucket
 * when a copy is configured) and/or the hand-written one. Throws when nothing describes the
 * answer: a fake must not answer anything the specs cannot check.
 */
export function validatorsFor(kind: FakeOAuthProviderKind, exchange: Pick<FakeOAuthExchange, 'operation' | 'status' | 'body'>): ResponseValidator[] {
  const key = `${kind} ${exchange.operation} ${exchange.status}${exchange.operation === TOKEN_PATHS[kind] ? ` ${isTokenError(exchange.body) ? 'error' : 'ok'}` : ''}`;
  const known = cache.get(key);
  if (known) return known;
  const validators: ResponseValidator[] = [];
  if (exchange.operation === 'GET authorize (redirect)') validators.push(jsonSchemaValidator(AUTHORIZE_REDIRECT));
  else if (exchange.operation === TOKEN_PATHS[kind]) validators.push(jsonSchemaValidator(isTokenError(exchange.body) ? TOKEN_SCHEMAS[kind].error : TOKEN_SCHEMAS[kind].ok));
  else if (kind === 'github-enterprise') {
    const operation = GHES_OPERATIONS[exchange.operation];
    if (operation) validators.push(ghesOpenApi().responseValidator(operation[0], operation[1], exchange.status));
  } else {
    const schema = HAND_WRITTEN[kind][`${exchange.operation} ${exchange.status}`];
    if (schema) validators.push(jsonSchemaValidator(schema));
    const bitbucket = kind === 'bitbucket-data-center' ? bitbucketDcOpenApi() : undefined;
    const operation = BITBUCKET_OPERATIONS[exchange.operation];
    if (bitbucket && operation && bitbucket.document.paths[operation[0]]?.[operation[1]]?.responses?.[String(exchange.status)] !== undefined) {
      validators.push(bitbucket.responseValidator(operation[0], operation[1], exchange.status));
    }
  }
  if (validators.length === 0) throw new Error(`nothing describes the fake ${kind}'s answer ${exchange.operation} ${exchange.status}`);
  cache.set(key, validators);
  return validators;
}

function isTokenError(body: unknown): boolean {
  return !!body && typeof body === 'object' && 'error' in body;
}

/** Every recorded answer that does not conform, as `operation status: problem` lines. */
export function nonConformingExchanges(kind: FakeOAuthProviderKind, exchanges: readonly FakeOAuthExchange[]): string[] {
  const problems: string[] = [];
  for (const exchange of exchanges) {
    for (const validate of validatorsFor(kind, exchange)) {
      for (const error of validate(exchange.body)) problems.push(`${kind} ${exchange.operation} ${exchange.status}: ${error}`);
    }
  }
  return problems;
}
