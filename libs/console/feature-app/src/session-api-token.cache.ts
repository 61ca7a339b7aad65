import { Injectable } from '@nestjs/common';
import { IdentityGateway, sessionHashOf } from '@stackyard/console-feature-sign-in';

/** How long a session's api token is reused before identity is asked again (which also checks the session). */
export const SESSION_API_TOKEN_TTL_MS = 30_000;
/** Sessions remembered at once; beyond this the oldest are forgotten (identity is simply asked again). */
const MAX_CACHED_SESSIONS = 10_000;

/**
 * The api token of each console session, briefly cached by session hash so a page's several
 * requests cost one identity call. Signing out revokes the token in identity, and the api then
 * refuses it, whatever is cached here.
 */
@Injectable()
export class SessionApiTokens {
  private readonly cache = new Map<string, { token: string; until: number }>();
  now: () => number = Date.now;

  constructor(private readonly identity: IdentityGateway) {}

  /** The token, or undefined when the session has ended. */
  async tokenFor(sessionToken: string, requestId?: string): Promise<string | undefined> {
    const key = sessionHashOf(sessionToken);
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.token;
    this.cache.delete(key);
    const minted = await this.identity.sessionApiToken(sessionToken, requestId);
    if (!minted) return undefined;
    if (this.cache.size >= MAX_CACHED_SESSIONS) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { token: minted.token, until: Math.min(now + SESSION_API_TOKEN_TTL_MS, minted.expiresAt) });
    return minted.token;
  }
}
