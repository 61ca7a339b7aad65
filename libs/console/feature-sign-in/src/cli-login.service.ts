import { Injectable, Logger } from '@nestjs/common';
import type { BrowserRequest } from './browser-request';
import { type BrowserResult, pageResult, redirectResult } from './browser-result';
import { cliLoginCallbackUrl, cliLoginPath, parseCliLoginRequest } from './cli-login-request';
import { clearedCookie, SESSION_COOKIE } from './cookies';
import { IdentityGateway } from './identity.gateway';
import { loginPath } from './next-path';
import { messagePageBody, welcomeCliPageBody } from './pages';

/** `pulumi login` through the browser (pulumi-protocol.md §1.4). */
@Injectable()
export class CliLoginService {
  private readonly logger = new Logger('console-sign-in');

  constructor(private readonly identity: IdentityGateway) {}

  /**
   * `GET /cli-login`: a signed-in browser gets a new personal token for the CLI and carries it to
   * the CLI's loopback listener; anyone else signs in first and comes back here.
   */
  async cliLogin(request: BrowserRequest): Promise<BrowserResult> {
    const parsed = parseCliLoginRequest(request.query);
    if (!parsed.ok) {
      return pageResult(400, 'Cannot sign in the Pulumi CLI', messagePageBody('Cannot sign in the Pulumi CLI', `This sign-in link is not valid: ${parsed.problem}. Run pulumi login again.`));
    }
    const signInFirst = (cookies: string[]) => redirectResult(303, loginPath(cliLoginPath(parsed.request)), cookies);
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (sessionToken === undefined) return signInFirst([]);
    // Identity checks the session while minting, so no separate resolve round trip is needed.
    const minted = await this.identity.mintCliToken(sessionToken, parsed.request.description, request.requestId);
    if (minted === undefined) return signInFirst([clearedCookie(SESSION_COOKIE)]);
    if (typeof minted.token !== 'string' || minted.token.length === 0) throw new Error('identity answered a CLI token request without a token');
    this.logger.log(`issued CLI access token ${minted.id} through the browser (request ${request.requestId ?? '-'})`);
    return redirectResult(302, cliLoginCallbackUrl(parsed.request, minted.token));
  }

  /** `GET /welcome/cli`: where the CLI sends the browser once it has the token. */
  welcome(): BrowserResult {
    return pageResult(200, 'Signed in', welcomeCliPageBody());
  }
}
