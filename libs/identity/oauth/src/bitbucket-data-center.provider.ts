import type { ExternalGroup } from '@stackyard/identity-domain';
import { arrayOf, MAX_PAGES, numericSubject, OAuthProviderBase, type OAuthPerson, objectOf, PAGE_SIZE, shown, text } from './oauth-provider';
import type { BitbucketProjectPermission, OAuthProviderConfig } from './oauth-provider-config';
import { OAuthProviderError } from './oauth-provider.error';
import { parseJson } from './provider-http';

/**
 * Bitbucket Data Center (7.21 and later): an incoming application link's OAuth 2.0 provider
 * (`/rest/oauth2/latest/authorize` and `/token`, PKCE S256). Its REST API has no "current user"
 * resource; every authenticated answer names the user in `X-AUSERNAME`, so identity reads
 * `GET /application-properties` for that header, then `GET /users/{userSlug}` (falling back to
 * `GET /users?filter=` when the slug differs from the name) for the numeric `id` (the subject).
 * Groups are not readable by ordinary users, so memberships are projects: every project the person
 * holds at least `projectPermission` on (`GET /projects?permission=`), by key (`PLAT`). Public
 * projects grant everyone read access, so with PROJECT_READ they do not count as membership;
 * personal projects (`~USER`) never do.
 */
export class BitbucketDataCenterProvider extends OAuthProviderBase {
  private readonly projectPermission: BitbucketProjectPermission;

  constructor(config: OAuthProviderConfig) {
    super('bitbucket-data-center', config, { authorize: '/rest/oauth2/latest/authorize', token: '/rest/oauth2/latest/token' });
    this.projectPermission = config.projectPermission ?? 'PROJECT_READ';
  }

  async person(accessToken: string): Promise<OAuthPerson> {
    const properties = await this.http.send({ method: 'GET', url: `${this.api}/application-properties`, headers: this.bearer(accessToken), what: 'GET /application-properties' });
    if (properties.status !== 200) {
      throw new OAuthProviderError(properties.status >= 500 ? 'unavailable' : 'misconfigured', `GET /application-properties: answered ${properties.status}`);
    }
    const username = text(headerValue(properties.headers['x-ausername']));
    if (username === undefined) throw new OAuthProviderError('unusable-identity', 'GET /application-properties: no X-AUSERNAME header; the token authenticates no user');
    const user = await this.user(username, accessToken);
    const subject = numericSubject(user['id'], 'GET /users');
    if (user['active'] === false) throw new OAuthProviderError('unusable-identity', 'GET /users: the account is not active');
    if (user['type'] !== undefined && user['type'] !== 'NORMAL') throw new OAuthProviderError('unusable-identity', `GET /users: the account is a ${shown(user['type'])} user, not a person`);
    const groups: ExternalGroup[] = [];
    for (const project of await this.projects(accessToken)) {
      const fields = objectOf(project, 'GET /projects');
      if (fields['type'] === 'PERSONAL') continue;
      if (fields['public'] === true && this.projectPermission === 'PROJECT_READ') continue;
      const key = text(fields['key'], 128);
      if (key) groups.push({ id: key, name: key });
    }
    const name = text(user['name']) ?? username;
    return { subject, username: name, displayName: text(user['displayName']) ?? name, email: text(user['emailAddress'], 320) ?? '', groups };
  }

  private async user(username: string, accessToken: string): Promise<Record<string, unknown>> {
    const slugRequest = { method: 'GET' as const, url: `${this.api}/users/${encodeURIComponent(username)}`, headers: this.bearer(accessToken), what: 'GET /users/{userSlug}' };
    const bySlug = await this.http.send(slugRequest);
    if (bySlug.status === 200) {
      const user = objectOf(parseJson(slugRequest, bySlug), 'GET /users/{userSlug}');
      if (sameName(user['name'], username)) return user;
    } else if (bySlug.status !== 404) {
      throw new OAuthProviderError(bySlug.status >= 500 ? 'unavailable' : 'misconfigured', `GET /users/{userSlug}: answered ${bySlug.status}`);
    }
    // The slug is derived from the name but may differ (characters URLs cannot carry).
    const search = new URL(`${this.api}/users`);
    search.search = new URLSearchParams({ filter: username, limit: String(PAGE_SIZE) }).toString();
    const page = objectOf((await this.http.json({ method: 'GET', url: search.toString(), headers: this.bearer(accessToken), what: 'GET /users?filter' })).value, 'GET /users?filter');
    const match = arrayOf(page['values'], 'GET /users?filter').find((u) => sameName(objectOf(u, 'GET /users?filter')['name'], username));
    if (match === undefined) throw new OAuthProviderError('unusable-identity', 'GET /users: the user named by X-AUSERNAME was not found');
    return match as Record<string, unknown>;
  }

  /** Pages through `/projects?permission=` (`isLastPage`, `nextPageStart`). */
  private async projects(accessToken: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let start = 0;
    for (let page = 1; ; page++) {
      const url = new URL(`${this.api}/projects`);
      url.search = new URLSearchParams({ permission: this.projectPermission, start: String(start), limit: String(PAGE_SIZE) }).toString();
      const body = objectOf((await this.http.json({ method: 'GET', url: url.toString(), headers: this.bearer(accessToken), what: 'GET /projects' })).value, 'GET /projects');
      items.push(...arrayOf(body['values'], 'GET /projects'));
      if (body['isLastPage'] !== false) break;
      const next = body['nextPageStart'];
      if (typeof next !== 'number' || !Number.isSafeInteger(next) || next <= start) throw new OAuthProviderError('misconfigured', 'GET /projects: a page that is not the last has no usable nextPageStart');
      if (page >= MAX_PAGES) throw new OAuthProviderError('unusable-identity', `GET /projects: more than ${MAX_PAGES * PAGE_SIZE} projects`);
      start = next;
    }
    return items;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Bitbucket user names compare case-insensitively. */
function sameName(value: unknown, username: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === username.toLowerCase();
}
