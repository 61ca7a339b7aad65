import { Injectable } from '@nestjs/common';
import type { ResolveSessionResponse } from '@stackyard/shared-contracts';
import type { BrowserRequest } from './browser-request';
import { clearedCookie, SESSION_COOKIE } from './cookies';
import { IdentityGateway } from './identity.gateway';

export type SessionLookup =
  | { signedIn: true; sessionToken: string; session: ResolveSessionResponse }
  /** `cookies` clears a cookie identity no longer knows, so the browser stops sending it. */
  | { signedIn: false; cookies: string[] };

/**
 * Who is signed in, asked of identity on every request that needs to know: nothing is cached, so
 * a revoked or expired session stops working at once.
 */
@Injectable()
export class ConsoleSessionService {
  constructor(private readonly identity: IdentityGateway) {}

  async lookup(request: BrowserRequest): Promise<SessionLookup> {
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) return { signedIn: false, cookies: [] };
    const session = await this.identity.resolveSession(sessionToken, request.requestId);
    if (session === undefined) return { signedIn: false, cookies: [clearedCookie(SESSION_COOKIE)] };
    return { signedIn: true, sessionToken, session };
  }
}
