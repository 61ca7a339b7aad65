import { Controller, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from './auth.decorators';
import { OAuthTokenService } from './oauth-token.service';
import type { AuthenticatedRequest } from './request-context';

/** The token endpoint's body is a form, read raw (apps/api registers it with the raw-body routes). */
export const OAUTH_TOKEN_ROUTE = /^\/api\/oauth\/token$/;

@Controller('api/oauth')
export class OAuthTokenController {
  constructor(private readonly tokens: OAuthTokenService) {}

  /** Deliberately public: the OIDC token in the request authenticates it (identity verifies it). */
  @Public()
  @Post('token')
  async token(@Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const answer = await this.tokens.exchange(req.headers['content-type'], req.rawBody, req.socket.remoteAddress, req.requestId);
    // RFC 6749 §5.1: token responses must not be cached.
    res.status(answer.status).setHeader('cache-control', 'no-store').setHeader('pragma', 'no-cache').json(answer.body);
  }
}
