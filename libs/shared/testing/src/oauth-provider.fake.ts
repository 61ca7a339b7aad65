import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '@stackyard/shared-tls';

/**
 * Fakes of the three self-managed code hosts' OAuth 2.0 providers and the REST calls Stackyard's
 * sign-in makes after them — no real GitHub Enterprise Server, GitLab or Bitbucket Data Center
 * can run here (test-peers.md §7). Each fake is an HTTPS server on 127.0.0.1 with its own test CA,
 * speaks the provider's paths, parameters, status codes and quirks (GitHub's token errors with
 * status 200, GitLab's `X-Next-Page`, Bitbucket's `X-AUSERNAME` and paged bodies), and records
 * every JSON response it sent, so `oauth-provider.fake.spec.ts` can validate each against the
 * vendor's published API description and fail when a fake drifts from it.
 */
export type FakeOAuthProviderKind = 'github-enterprise' | 'gitlab' | 'bitbucket-data-center';

export type FakeBitbucketPermission = 'PROJECT_READ' | 'PROJECT_WRITE' | 'PROJECT_ADMIN';

export interface FakeOAuthUser {
  /** The provider's numeric user id. */
  id: number;
  /** GitHub login, GitLab username, Bitbucket user name. */
  username: string;
  name: string;
  email: string;
  /** GitLab `state` other than active, Bitbucket `active: false`. */
  blocked?: boolean;
  /** Bitbucket: the user's slug when it differs from the lower-cased name. */
  slug?: string;
  /** GitHub: organization logins the user belongs to. */
  organizations?: string[];
  /** GitHub: team memberships (the team's organization must be among `organizations`). */
  teams?: Array<{ organization: string; slug: string; name?: string }>;
  /** GitLab: full paths of the groups the user is a member of (`acme`, `acme/platform`). */
  groups?: string[];
  /** Bitbucket: projects (by key) and the user's permission on each. */
  projects?: Array<{ key: string; permission: FakeBitbucketPermission; public?: boolean; personal?: boolean }>;
}

export interface FakeOAuthProviderOptions {
  kind: FakeOAuthProviderKind;
  clientId?: string;
  clientSecret?: string;
  users: FakeOAuthUser[];
  /** Largest page the list endpoints return (tests use small pages to exercise pagination). */
  maxPageSize?: number;
  /** Serve under a context path (`/gitlab`, `/bitbucket`), as self-managed installs may. */
  contextPath?: string;
}

/** One JSON (or redirect) answer the fake gave, for validation against the vendor's description. */
export interface FakeOAuthExchange {
  /** The operation as the vendor's API description names it, e.g. `GET /user`, `POST /login/oauth/access_token`. */
  operation: string;
  status: number;
  /** Parsed JSON body; for the authorize redirect, the callback's query parameters as an object. */
  body: unknown;
  headers: Record<string, string>;
}

export interface FakeOAuthProvider {
  kind: FakeOAuthProviderKind;
  /** `https://127.0.0.1:<port>[/<contextPath>]`: the provider's `baseUrl`. */
  baseUrl: string;
  /** The fake's test CA (PEM), for the identity service's `caFile` and the test browser. */
  caPem: string;
  clientId: string;
  clientSecret: string;
  /** Every answer sent, in order (tokens and codes included: the fake is a test double). */
  readonly exchanges: FakeOAuthExchange[];
  /** Requests received, as `METHOD /path` (no query). */
  readonly requests: string[];
  /** Query parameters of every authorize request. */
  readonly authorizeRequests: URLSearchParams[];
  /** The person signed in at the provider: the next authorize request is theirs. */
  signInAs(username: string): void;
  /** The next authorize request is refused by the person (`error=access_denied`). */
  denyNextConsent(): void;
  /** The next token exchange fails: the provider refuses the code, or has an outage. */
  failNextTokenExchange(how: 'invalid-grant' | 'server-error'): void;
  /** Change a user (groups, name, …) between sign-ins. */
  updateUser(username: string, change: Partial<FakeOAuthUser>): void;
  stop(): Promise<void>;
}

interface IssuedCode {
  user: FakeOAuthUser;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge?: string;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;
const GITHUB_DOCS = 'https://docs.github.com/enterprise-server@3.19';
const CREATED = '2024-01-15T09:30:00Z';

/** Paths per kind, relative to the context path. */
const PATHS = {
  'github-enterprise': { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token', api: '/api/v3' },
  gitlab: { authorize: '/oauth/authorize', token: '/oauth/token', api: '/api/v4' },
  'bitbucket-data-center': { authorize: '/rest/oauth2/latest/authorize', token: '/rest/oauth2/latest/token', api: '/rest/api/latest' },
} as const;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Starts one fake provider on a free loopback port. */
export async function startFakeOAuthProvider(options: FakeOAuthProviderOptions): Promise<FakeOAuthProvider> {
  const ca = await createCertificateAuthority(`Stackyard test CA for fake ${options.kind}`);
  const leaf = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const users = new Map(options.users.map((u) => [u.username.toLowerCase(), { ...u }]));
  const clientId = options.clientId ?? `client-${randomBytes(6).toString('hex')}`;
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const context = (options.contextPath ?? '').replace(/\/+$/, '');
  const paths = PATHS[options.kind];
  const maxPage = options.maxPageSize ?? 100;
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, { user: FakeOAuthUser; scopes: string[] }>();
  const exchanges: FakeOAuthExchange[] = [];
  const requests: string[] = [];
  const authorizeRequests: URLSearchParams[] = [];
  let sessionUser: string | undefined;
  let denyNext = false;
  let tokenFailure: 'invalid-grant' | 'server-error' | undefined;
  let baseUrl = '';

  const json = (res: ServerResponse, operation: string, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    const sent = { 'content-type': 'application/json; charset=utf-8', ...headers };
    exchanges.push({ operation, status, body, headers: sent });
    res.writeHead(status, { ...sent, 'content-length': String(Buffer.byteLength(text)) }).end(text);
  };
  const userOf = (username: string) => users.get(username.toLowerCase());

  // ---- the browser leg: authorize → redirect back with code or error ---------------------------
  const authorize = (res: ServerResponse, query: URLSearchParams) => {
    authorizeRequests.push(query);
    const redirectUri = query.get('redirect_uri');
    const state = query.get('state');
    if (query.get('client_id') !== clientId || !redirectUri || !URL.canParse(redirectUri)) {
      // Providers show an error page rather than redirecting to an unverified URI.
      res.writeHead(400, { 'content-type': 'text/html' }).end('<h1>Invalid client or redirect URI</h1>');
      return;
    }
    const back = new URL(redirectUri);
    const params: Record<string, string> = {};
    const user = sessionUser === undefined ? undefined : userOf(sessionUser);
    if (denyNext || !user) {
      denyNext = false;
      params['error'] = 'access_denied';
      params['error_description'] =
        options.kind === 'github-enterprise' ? 'The user has denied your application access.' : 'The resource owner or authorization server denied the request.';
      if (options.kind === 'github-enterprise') params['error_uri'] = `${GITHUB_DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied`;
    } else {
      const code = options.kind === 'github-enterprise' ? randomBytes(10).toString('hex') : randomBytes(32).toString('base64url');
      const challenge = query.get('code_challenge') ?? undefined;
      if (challenge !== undefined && query.get('code_challenge_method') !== 'S256') {
        res.writeHead(400, { 'content-type': 'text/html' }).end('<h1>Only the S256 code challenge method is supported</h1>');
        return;
      }
      const scopes = (query.get('scope') ?? '').split(/[ ,]+/).filter(Boolean);
      codes.set(code, { user, clientId, redirectUri, scopes, ...(challenge ? { challenge } : {}), expiresAt: Date.now() + CODE_TTL_MS });
      params['code'] = code;
    }
    if (state !== null) params['state'] = state;
    for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
    exchanges.push({ operation: 'GET authorize (redirect)', status: 302, body: params, headers: { location: back.toString() } });
    res.writeHead(302, { location: back.toString(), 'content-length': '0' }).end();
  };

  // ---- the server leg: code → token ------------------------------------------------------------
  const tokenError = (res: ServerResponse, operation: string, error: string, description: string, status: number) => {
    if (options.kind === 'github-enterprise') {
      // GitHub answers token errors with 200 and the error in the body.
      json(res, operation, 200, { error, error_description: description, error_uri: `${GITHUB_DOCS}/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors#${error.replace(/_/g, '-')}` });
    } else {
      json(res, operation, status, { error, error_description: description });
    }
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const operation = `POST ${paths.token}`;
    const raw = await readBody(req);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const form = type === 'application/json' ? new URLSearchParams(JSON.parse(raw || '{}') as Record<string, string>) : new URLSearchParams(raw);
    const badCode = options.kind === 'github-enterprise' ? 'bad_verification_code' : 'invalid_grant';
    if (tokenFailure === 'server-error') {
      tokenFailure = undefined;
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
      return;
    }
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      if (options.kind === 'github-enterprise') tokenError(res, operation, 'incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 200);
      else tokenError(res, operation, 'invalid_client', 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.', 401);
      return;
    }
    if (options.kind !== 'github-enterprise' && form.get('grant_type') !== 'authorization_code') {
      tokenError(res, operation, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.', 400);
      return;
    }
    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    codes.delete(code); // single use, as at every provider
    const verifier = form.get('code_verifier');
    const refusal =
      tokenFailure === 'invalid-grant'
        ? 'refused by the test'
        : !issued || issued.expiresAt < Date.now()
          ? 'unknown, used or expired code'
          : form.get('redirect_uri') !== issued.redirectUri
            ? 'redirect_uri differs from the authorize request'
            : issued.challenge !== undefined && (verifier === null || createHash('sha256').update(verifier).digest('base64url') !== issued.challenge)
              ? 'code_verifier does not match the code_challenge'
              : undefined;
    tokenFailure = undefined;
    if (refusal !== undefined || !issued) {
      tokenError(
        res,
        operation,
        badCode,
        options.kind === 'github-enterprise'
          ? 'The code passed is incorrect or expired.'
          : 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
        400,
      );
      return;
    }
    const accessToken = options.kind === 'github-enterprise' ? `gho_${randomBytes(18).toString('base64url')}` : randomBytes(32).toString('hex');
    tokens.set(accessToken, { user: issued.user, scopes: issued.scopes });
    const scope = issued.scopes.join(options.kind === 'github-enterprise' ? ',' : ' ');
    if (options.kind === 'github-enterprise') json(res, operation, 200, { access_token: accessToken, token_type: 'bearer', scope });
    else if (options.kind === 'gitlab') json(res, operation, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 7200, refresh_token: randomBytes(32).toString('hex'), scope, created_at: Math.floor(Date.now() / 1000) });
    else json(res, operation, 200, { scope, access_token: accessToken, expires_in: 7200, token_type: 'bearer', refresh_token: randomBytes(32).toString('hex') });
  };

  // ---- REST: who and which groups ----------------------------------------------------------------
  const bearer = (req: IncomingMessage) => {
    const header = req.headers['authorization'] ?? '';
    const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    return match ? tokens.get(match[1]) : undefined;
  };

  const pageOf = <T>(items: T[], query: URLSearchParams, pageParam: 'page' | 'start', sizeParam: 'per_page' | 'limit') => {
    const size = Math.max(1, Math.min(maxPage, Number(query.get(sizeParam) ?? (options.kind === 'bitbucket-data-center' ? 25 : options.kind === 'gitlab' ? 20 : 30)) || 1));
    if (pageParam === 'start') {
      const start = Math.max(0, Number(query.get('start') ?? 0) || 0);
      return { items: items.slice(start, start + size), start, size, last: start + size >= items.length };
    }
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    return { items: items.slice((page - 1) * size, page * size), start: page, size, last: page * size >= items.length };
  };

  const github = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
    const operation = `GET ${path}`;
    const auth = bearer(req);
    if (!auth) {
      json(res, operation, 401, { message: 'Bad credentials', documentation_url: `${GITHUB_DOCS}/rest`, status: '401' });
      return;
    }
    const u = auth.user;
    const orgId = (login: string) => 1000 + [...login].reduce((n, c) => n + c.charCodeAt(0), 0);
    const orgUrl = (login: string) => `${baseUrl}${paths.api}/orgs/${login}`;
    const simpleOrg = (login: string) => ({
      login,
      id: orgId(login),
      node_id: Buffer.from(`04:Organization${orgId(login)}`).toString('base64'),
      url: orgUrl(login),
      repos_url: `${orgUrl(login)}/repos`,
      events_url: `${orgUrl(login)}/events`,
      hooks_url: `${orgUrl(login)}/hooks`,
      issues_url: `${orgUrl(login)}/issues`,
      members_url: `${orgUrl(login)}/members{/member}`,
      public_members_url: `${orgUrl(login)}/public_members{/member}`,
      avatar_url: `${baseUrl}/avatars/u/${orgId(login)}?`,
      description: null,
    });
    if (path === '/user') {
      const userUrl = `${baseUrl}${paths.api}/users/${u.username}`;
      json(res, operation, 200, {
        login: u.username,
        id: u.id,
        user_view_type: 'private',
        node_id: Buffer.from(`04:User${u.id}`).toString('base64'),
        avatar_url: `${baseUrl}/avatars/u/${u.id}?`,
        gravatar_id: '',
        url: userUrl,
        html_url: `${baseUrl}/${u.username}`,
        followers_url: `${userUrl}/followers`,
        following_url: `${userUrl}/following{/other_user}`,
        gists_url: `${userUrl}/gists{/gist_id}`,
        starred_url: `${userUrl}/starred{/owner}{/repo}`,
        subscriptions_url: `${userUrl}/subscriptions`,
        organizations_url: `${userUrl}/orgs`,
        repos_url: `${userUrl}/repos`,
        events_url: `${userUrl}/events{/privacy}`,
        received_events_url: `${userUrl}/received_events`,
        type: 'User',
        site_admin: false,
        name: u.name || null,
        company: null,
        blog: '',
        location: null,
        email: u.email || null,
        hireable: null,
        bio: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: CREATED,
        updated_at: CREATED,
        private_gists: 0,
        total_private_repos: 0,
        owned_private_repos: 0,
        disk_usage: 0,
        collaborators: 0,
        two_factor_authentication: false,
      });
      return;
    }
    const listHeaders = (last: boolean, page: number, size: number): Record<string, string> =>
      last ? {} : { link: `<${baseUrl}${paths.api}${path}?per_page=${size}&page=${page + 1}>; rel="next"` };
    if (path === '/user/orgs') {
      const page = pageOf(u.organizations ?? [], query, 'page', 'per_page');
      json(res, operation, 200, page.items.map(simpleOrg), listHeaders(page.last, page.start, page.size));
      return;
    }
    if (path === '/user/teams') {
      if (!auth.scopes.some((s) => ['read:org', 'write:org', 'admin:org', 'user', 'repo'].includes(s))) {
        json(res, operation, 403, { message: 'Resource not accessible by integration', documentation_url: `${GITHUB_DOCS}/rest/teams/teams#list-teams-for-the-authenticated-user`, status: '403' });
        return;
      }
      const page = pageOf(u.teams ?? [], query, 'page', 'per_page');
      json(
        res,
        operation,
        200,
        page.items.map((t, index) => {
          const id = orgId(t.organization) * 100 + index + 1;
          const teamUrl = `${baseUrl}${paths.api}/organizations/${orgId(t.organization)}/team/${id}`;
          return {
            id,
            node_id: Buffer.from(`04:Team${id}`).toString('base64'),
            url: teamUrl,
            html_url: `${baseUrl}/orgs/${t.organization}/teams/${t.slug}`,
            name: t.name ?? t.slug,
            slug: t.slug,
            description: null,
            privacy: 'closed',
            notification_setting: 'notifications_enabled',
            permission: 'pull',
            members_url: `${teamUrl}/members{/member}`,
            repositories_url: `${teamUrl}/repos`,
            parent: null,
            members_count: 1,
            repos_count: 0,
            created_at: CREATED,
            updated_at: CREATED,
            type: 'organization',
            organization_id: orgId(t.organization),
            organization: {
              ...simpleOrg(t.organization),
              html_url: `${baseUrl}/${t.organization}`,
              has_organization_projects: true,
              has_repository_projects: true,
              public_repos: 0,
              public_gists: 0,
              followers: 0,
              following: 0,
              type: 'Organization',
              created_at: CREATED,
              updated_at: CREATED,
              archived_at: null,
            },
          };
        }),
        listHeaders(page.last, page.start, page.size),
      );
      return;
    }
    json(res, operation, 404, { message: 'Not Found', documentation_url: `${GITHUB_DOCS}/rest`, status: '404' });
  };

  const gitlabGroupId = (path: string) => 100 + [...path].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 100_000, 0);
  const gitlab = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
    const operation = `GET ${path}`;
    const auth = bearer(req);
    if (!auth) {
      json(res, operation, 401, { message: '401 Unauthorized' });
      return;
    }
    if (!auth.scopes.some((s) => ['api', 'read_api', ...(path === '/user' ? ['read_user'] : [])].includes(s))) {
      json(res, operation, 403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api read_api' });
      return;
    }
    const u = auth.user;
    if (path === '/user') {
      json(res, operation, 200, {
        id: u.id,
        username: u.username,
        public_email: null,
        name: u.name,
        state: u.blocked ? 'blocked' : 'active',
        locked: false,
        avatar_url: `${baseUrl}/uploads/-/system/user/avatar/${u.id}/avatar.png`,
        web_url: `${baseUrl}/${u.username}`,
        created_at: CREATED,
        bio: '',
        location: '',
        linkedin: '',
        twitter: '',
        discord: '',
        website_url: '',
        organization: '',
        job_title: '',
        pronouns: null,
        bot: false,
        work_information: null,
        local_time: null,
        last_sign_in_at: CREATED,
        confirmed_at: CREATED,
        last_activity_on: CREATED.slice(0, 10),
        email: u.email,
        theme_id: 3,
        color_scheme_id: 1,
        projects_limit: 100000,
        current_sign_in_at: CREATED,
        identities: [],
        can_create_group: true,
        can_create_project: true,
        two_factor_enabled: false,
        external: false,
        private_profile: false,
        commit_email: u.email,
      });
      return;
    }
    if (path === '/groups') {
      const groups = (u.groups ?? []).filter(() => Number(query.get('min_access_level') ?? 0) <= 50);
      const page = pageOf(groups, query, 'page', 'per_page');
      const headers: Record<string, string> = { 'x-page': String(page.start), 'x-per-page': String(page.size), 'x-next-page': page.last ? '' : String(page.start + 1), 'x-prev-page': page.start > 1 ? String(page.start - 1) : '' };
      if (!page.last) headers['link'] = `<${baseUrl}${paths.api}/groups?min_access_level=${query.get('min_access_level') ?? ''}&page=${page.start + 1}&per_page=${page.size}>; rel="next"`;
      json(
        res,
        operation,
        200,
        page.items.map((fullPath) => {
          const slash = fullPath.lastIndexOf('/');
          const parent = slash === -1 ? null : gitlabGroupId(fullPath.slice(0, slash));
          const name = fullPath.slice(slash + 1);
          return {
            id: gitlabGroupId(fullPath),
            web_url: `${baseUrl}/groups/${fullPath}`,
            name,
            path: name,
            description: '',
            visibility: 'private',
            share_with_group_lock: false,
            require_two_factor_authentication: false,
            two_factor_grace_period: 48,
            project_creation_level: 'developer',
            auto_devops_enabled: null,
            subgroup_creation_level: 'maintainer',
            emails_disabled: null,
            emails_enabled: null,
            mentions_disabled: null,
            lfs_enabled: true,
            default_branch: null,
            default_branch_protection: 2,
            avatar_url: null,
            request_access_enabled: true,
            repository_storage: 'default',
            full_name: fullPath.split('/').join(' / '),
            full_path: fullPath,
            file_template_project_id: null,
            parent_id: parent,
            created_at: CREATED,
            ip_restriction_ranges: null,
          };
        }),
        headers,
      );
      return;
    }
    json(res, operation, 404, { message: '404 Not Found' });
  };

  const bitbucketUser = (u: FakeOAuthUser) => {
    const slug = u.slug ?? u.username.toLowerCase();
    return { name: u.username, emailAddress: u.email, active: !u.blocked, displayName: u.name, id: u.id, slug, type: 'NORMAL', links: { self: [{ href: `${baseUrl}/users/${slug}` }] } };
  };
  const bitbucket = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
    const auth = bearer(req);
    const operation = path.startsWith('/users/') ? 'GET /users/{userSlug}' : `GET ${path}`;
    if (!auth) {
      json(res, operation, 401, { errors: [{ message: 'Authentication failed. Please check your credentials and try again.', exceptionName: 'com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException' }] });
      return;
    }
    const u = auth.user;
    // Every authenticated answer names the user, which is how a client learns who it is.
    const who = { 'x-ausername': u.username, 'x-auserid': String(u.id) };
    if (path === '/application-properties') {
      json(res, operation, 200, { version: '9.2.0', buildNumber: '9002000', buildDate: '1727132722193', displayName: 'Bitbucket' }, who);
      return;
    }
    if (path.startsWith('/users/')) {
      const slug = decodeURIComponent(path.slice('/users/'.length));
      const found = [...users.values()].find((x) => (x.slug ?? x.username.toLowerCase()) === slug);
      if (!found) {
        json(res, operation, 404, { errors: [{ message: `User ${slug} does not exist.`, exceptionName: 'com.atlassian.bitbucket.user.NoSuchUserException' }] }, who);
        return;
      }
      json(res, operation, 200, bitbucketUser(found), who);
      return;
    }
    if (path === '/users') {
      const filter = (query.get('filter') ?? '').toLowerCase();
      const matching = [...users.values()].filter((x) => x.username.toLowerCase().includes(filter) || x.name.toLowerCase().includes(filter)).map(bitbucketUser);
      const page = pageOf(matching, query, 'start', 'limit');
      json(res, operation, 200, { size: page.items.length, limit: page.size, isLastPage: page.last, values: page.items, start: page.start, ...(page.last ? {} : { nextPageStart: page.start + page.size }) }, who);
      return;
    }
    if (path === '/projects') {
      const order: FakeBitbucketPermission[] = ['PROJECT_READ', 'PROJECT_WRITE', 'PROJECT_ADMIN'];
      const wanted = order.indexOf((query.get('permission') ?? 'PROJECT_READ') as FakeBitbucketPermission);
      const visible = (u.projects ?? []).filter((p) => order.indexOf(p.permission) >= Math.max(0, wanted));
      const page = pageOf(visible, query, 'start', 'limit');
      json(
        res,
        operation,
        200,
        {
          size: page.items.length,
          limit: page.size,
          isLastPage: page.last,
          values: page.items.map((p, index) => ({
            key: p.personal ? `~${u.username.toUpperCase()}` : p.key,
            id: 10 + index + page.start,
            name: p.personal ? u.name : `${p.key} project`,
            description: `The ${p.key} project`,
            public: p.public ?? false,
            type: p.personal ? 'PERSONAL' : 'NORMAL',
            links: { self: [{ href: `${baseUrl}/projects/${p.key}` }] },
          })),
          start: page.start,
          ...(page.last ? {} : { nextPageStart: page.start + page.size }),
        },
        who,
      );
      return;
    }
    json(res, operation, 404, { errors: [{ message: 'Not found', exceptionName: 'com.sun.jersey.api.NotFoundException' }] }, who);
  };

  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://fake.invalid');
    requests.push(`${req.method ?? 'GET'} ${url.pathname}`);
    if (!url.pathname.startsWith(`${context}/`)) {
      res.writeHead(404).end();
      return;
    }
    const path = url.pathname.slice(context.length);
    const done = (error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    };
    try {
      if (req.method === 'GET' && path === paths.authorize) authorize(res, url.searchParams);
      else if (req.method === 'POST' && path === paths.token) token(req, res).catch(done);
      else if (req.method === 'GET' && path.startsWith(`${paths.api}/`)) {
        const apiPath = path.slice(paths.api.length);
        if (options.kind === 'github-enterprise') github(req, res, apiPath, url.searchParams);
        else if (options.kind === 'gitlab') gitlab(req, res, apiPath, url.searchParams);
        else bitbucket(req, res, apiPath, url.searchParams);
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (error) {
      done(error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}${context}`;

  return {
    kind: options.kind,
    baseUrl,
    caPem: ca.certPem,
    clientId,
    clientSecret,
    exchanges,
    requests,
    authorizeRequests,
    signInAs(username) {
      if (!userOf(username)) throw new Error(`the fake ${options.kind} has no user ${username}`);
      sessionUser = username;
    },
    denyNextConsent() {
      denyNext = true;
    },
    failNextTokenExchange(how) {
      tokenFailure = how;
    },
    updateUser(username, change) {
      const user = userOf(username);
      if (!user) throw new Error(`the fake ${options.kind} has no user ${username}`);
      Object.assign(user, change);
      for (const t of tokens.values()) if (t.user.username === user.username) Object.assign(t.user, change);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fresh id for fake users that tests do not care to number. */
export function fakeUserId(): number {
  return Number.parseInt(randomUUID().replace(/-/g, '').slice(0, 8), 16) % 1_000_000_000 + 1;
}
