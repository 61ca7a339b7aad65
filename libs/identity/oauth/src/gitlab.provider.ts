import type { ExternalGroup } from '@stackyard/identity-domain';
import { arrayOf, MAX_PAGES, numericSubject, OAuthProviderBase, type OAuthPerson, objectOf, PAGE_SIZE, shown, text } from './oauth-provider';
import type { OAuthProviderConfig } from './oauth-provider-config';
import { OAuthProviderError } from './oauth-provider.error';
import { nextLink } from './provider-http';

/** GitLab's Guest role: the least access level that makes someone a member of a group. */
const GUEST_ACCESS_LEVEL = 10;

/**
 * GitLab (self-managed or gitlab.com): an application's authorization code flow with PKCE
 * (`/oauth/authorize`, `/oauth/token`), then `GET /api/v4/user` (numeric `id` is the subject) and
 * `GET /api/v4/groups?min_access_level=10` (every group the person is a member of, subgroups
 * included). Groups: by full path (`acme`, `acme/platform`).
 */
export class GitLabProvider extends OAuthProviderBase {
  constructor(config: OAuthProviderConfig) {
    super('gitlab', config, { authorize: '/oauth/authorize', token: '/oauth/token' });
  }

  async person(accessToken: string): Promise<OAuthPerson> {
    const user = objectOf((await this.http.json({ method: 'GET', url: `${this.api}/user`, headers: this.bearer(accessToken), what: 'GET /user' })).value, 'GET /user');
    const subject = numericSubject(user['id'], 'GET /user');
    const username = text(user['username']);
    if (username === undefined) throw new OAuthProviderError('unusable-identity', 'GET /user: the user has no username');
    // GitLab issues no tokens to blocked users; a token of one that was blocked since must not sign in.
    if (user['state'] !== undefined && user['state'] !== 'active') throw new OAuthProviderError('unusable-identity', `GET /user: the account is ${shown(user['state'])}, not active`);
    if (user['bot'] === true) throw new OAuthProviderError('unusable-identity', 'GET /user: the token belongs to a bot user');
    const groups: ExternalGroup[] = [];
    for (const group of await this.memberGroups(accessToken)) {
      const path = text(objectOf(group, 'GET /groups')['full_path'], 1024);
      if (path) groups.push({ id: path, name: path });
    }
    return { subject, username, displayName: text(user['name']) ?? username, email: text(user['email'], 320) ?? text(user['public_email'], 320) ?? '', groups };
  }

  /** Pages through `/groups`: `Link: rel="next"` when sent, else `X-Next-Page` (empty on the last page). */
  private async memberGroups(accessToken: string): Promise<unknown[]> {
    const items: unknown[] = [];
    const first = new URL(`${this.api}/groups`);
    first.search = new URLSearchParams({ min_access_level: String(GUEST_ACCESS_LEVEL), per_page: String(PAGE_SIZE), page: '1' }).toString();
    let url: string | undefined = first.toString();
    for (let page = 1; url !== undefined; page++) {
      const { value, response } = await this.http.json({ method: 'GET', url, headers: this.bearer(accessToken), what: 'GET /groups' });
      items.push(...arrayOf(value, 'GET /groups'));
      let next = nextLink(response.headers['link']);
      const nextPage = response.headers['x-next-page'];
      if (next === undefined && typeof nextPage === 'string' && /^[1-9][0-9]{0,5}$/.test(nextPage)) {
        const following = new URL(first);
        following.searchParams.set('page', nextPage);
        next = following.toString();
      }
      if (next === undefined) break;
      if (page >= MAX_PAGES) throw new OAuthProviderError('unusable-identity', `GET /groups: more than ${MAX_PAGES * PAGE_SIZE} groups`);
      if (!this.http.isProviderUrl(next)) throw new OAuthProviderError('misconfigured', 'GET /groups: the next page is not on the configured API origin');
      url = next;
    }
    return items;
  }
}
