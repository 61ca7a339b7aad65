import type { ExternalGroup } from '@stackyard/identity-domain';
import { arrayOf, MAX_PAGES, numericSubject, OAuthProviderBase, type OAuthPerson, objectOf, PAGE_SIZE, shown, text } from './oauth-provider';
import type { OAuthProviderConfig } from './oauth-provider-config';
import { OAuthProviderError } from './oauth-provider.error';
import { nextLink } from './provider-http';

/** GitHub's REST API version every call asks for (GHES 3.9 and later understand the header). */
const API_VERSION = '2022-11-28';

/**
 * GitHub Enterprise Server (and github.com): an OAuth app's web flow (`/login/oauth/authorize`,
 * `/login/oauth/access_token`), then `GET /user` (the person: numeric `id` is the subject, `login`
 * only names them), `GET /user/orgs` and `GET /user/teams` (both need `read:org` to include
 * private memberships). Groups: each organization by its login (`acme`), each team as
 * `<org login>/<team slug>` (`acme/platform`).
 */
export class GitHubEnterpriseProvider extends OAuthProviderBase {
  constructor(config: OAuthProviderConfig) {
    super('github-enterprise', config, { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token' });
  }

  async person(accessToken: string): Promise<OAuthPerson> {
    const user = objectOf((await this.get('/user', accessToken, 'GET /user')).value, 'GET /user');
    const subject = numericSubject(user['id'], 'GET /user');
    const login = text(user['login'], 39);
    if (login === undefined) throw new OAuthProviderError('unusable-identity', 'GET /user: the user has no login');
    if (user['type'] !== undefined && user['type'] !== 'User') throw new OAuthProviderError('unusable-identity', `GET /user: the token belongs to a ${shown(user['type'])}, not a user`);
    const groups: ExternalGroup[] = [];
    for (const org of await this.pages('/user/orgs', accessToken)) {
      const name = text(objectOf(org, 'GET /user/orgs')['login']);
      if (name) groups.push({ id: name, name });
    }
    for (const team of await this.pages('/user/teams', accessToken)) {
      const fields = objectOf(team, 'GET /user/teams');
      const org = text(objectOf(fields['organization'], 'GET /user/teams organization')['login']);
      const slug = text(fields['slug']);
      if (org && slug) groups.push({ id: `${org}/${slug}`, name: `${org}/${slug}` });
    }
    return { subject, username: login, displayName: text(user['name']) ?? login, email: text(user['email'], 320) ?? '', groups };
  }

  private get(path: string, accessToken: string, what: string) {
    return this.getUrl(`${this.api}${path}`, accessToken, what);
  }

  private getUrl(url: string, accessToken: string, what: string) {
    return this.http.json({ method: 'GET', url, headers: { ...this.bearer(accessToken), accept: 'application/vnd.github+json', 'x-github-api-version': API_VERSION }, what });
  }

  /** Every item of a paginated list, following `Link: <…>; rel="next"` on the API's own origin. */
  private async pages(path: string, accessToken: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | undefined = `${this.api}${path}?per_page=${PAGE_SIZE}`;
    for (let page = 1; url !== undefined; page++) {
      const { value, response } = await this.getUrl(url, accessToken, `GET ${path}`);
      items.push(...arrayOf(value, `GET ${path}`));
      const next = nextLink(response.headers['link']);
      if (next === undefined) break;
      if (page >= MAX_PAGES) throw new OAuthProviderError('unusable-identity', `GET ${path}: more than ${MAX_PAGES * PAGE_SIZE} entries`);
      if (!this.http.isProviderUrl(next)) throw new OAuthProviderError('misconfigured', `GET ${path}: the next page is not on the configured API origin`);
      url = next;
    }
    return items;
  }
}
