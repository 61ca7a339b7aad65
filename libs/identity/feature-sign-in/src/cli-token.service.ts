import { Injectable } from '@nestjs/common';
import { AuditTrail, auditEventBy, TokenService } from '@stackyard/identity-feature-tokens';
import type { CliTokenResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { SessionService } from './session.service';

const MAX_DESCRIPTION = 255;

/**
 * The personal token `pulumi login` receives through the browser (pulumi-protocol.md §1.4): minted
 * for the signed-in user of a live session, described as the CLI asked, shown once.
 */
@Injectable()
export class CliTokenService {
  constructor(
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly audit: AuditTrail,
  ) {}

  async mint(body: unknown): Promise<CliTokenResponse> {
    const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const description = typeof raw['description'] === 'string' ? raw['description'] : '';
    if (description.length > MAX_DESCRIPTION || /[\u0000-\u001f\u007f]/.test(description)) {
      throw ApiError.badRequest(`description must be at most ${MAX_DESCRIPTION} printable characters`);
    }
    const session = await this.sessions.resolve(body);
    const minted = await this.tokens.mintPersonal(session.userId, 'cli-login', description);
    await this.audit.record(
      auditEventBy({ login: session.user.login }, { organization: null, event: 'access_token_created', description: `personal access token '${minted.name}' created for user '${session.user.login}' by pulumi login` }),
      { event: 'token.created', kind: 'personal', via: 'cli-login', user: session.user.login, tokenId: minted.id, tokenName: minted.name },
    );
    return { token: minted.token, id: minted.id, name: minted.name };
  }
}
