import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ACCESS_TOKEN_PREFIX, hashAccessToken, isAccessTokenHash } from '@stackyard/identity-domain';
import { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { SessionApiTokenResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { SessionService } from './session.service';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';

/** Hex digits of the session hash in the token's name: enough that one user's sessions never collide. */
const NAME_HASH_DIGITS = 16;

/** How the personal tokens of console sessions are named; the sweeper removes those of ended sessions. */
export const CONSOLE_SESSION_TOKEN_PREFIX = 'console-session-';

/** The personal token's name for a console session (`console-session-<first hex of its hash>`). */
export function consoleSessionTokenName(sessionHash: string): string {
  return `${CONSOLE_SESSION_TOKEN_PREFIX}${sessionHash.slice(0, NAME_HASH_DIGITS)}`;
}

/**
 * The token value for a session: Pulumi's token shape (`pul-` + 40 hex digits) cut from an HMAC of
 * the session hash, so identity can give the console the same value again without storing it.
 */
export function consoleSessionTokenValue(key: Buffer, sessionHash: string): string {
  return ACCESS_TOKEN_PREFIX + createHmac('sha256', key).update(sessionHash, 'utf8').digest('hex').slice(0, 40);
}

/**
 * The console's way to call the api as the signed-in person: a personal access token derived from
 * the session. Its hash is stored like any personal token's, so the api resolves it (and applies
 * RBAC) exactly as for the CLI; it expires with the session and is revoked at sign-out.
 */
@Injectable()
export class ConsoleApiTokenService {
  private readonly logger = new Logger(ConsoleApiTokenService.name);
  private readonly key: Buffer;
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly sessions: SessionService,
    @Inject(SIGN_IN_OPTIONS) options: SignInOptions,
  ) {
    // Without a configured key the values change at restart; that only makes new rows, never a wrong user.
    this.key = options.consoleTokenKey ?? randomBytes(32);
    this.now = options.now ?? Date.now;
  }

  async tokenFor(body: unknown): Promise<SessionApiTokenResponse> {
    const session = await this.sessions.resolve(body);
    const sessionHash = (body as { sessionHash: string }).sessionHash;
    const token = consoleSessionTokenValue(this.key, sessionHash);
    const tokenHash = hashAccessToken(token);
    const repos = this.database.repositories;
    const existing = await repos.tokens.findByHash(tokenHash);
    if (existing) {
      if (existing.revokedAt !== null || existing.userId !== session.userId) throw ApiError.unauthorized('the session has ended; sign in again');
      return { token, expiresAt: session.expiresAt };
    }
    const name = consoleSessionTokenName(sessionHash);
    const named = await repos.tokens.findByUserAndName(session.userId, name);
    // The key changed since this session's token was made (a restart without a configured key): retire the old one.
    if (named && named.revokedAt === null) await repos.tokens.revoke(named.id, this.now());
    // Names stay taken after revocation, so a replacement carries a suffix.
    const id = await this.insert(session.userId, named ? `${name}-${randomBytes(4).toString('hex')}` : name, tokenHash, session.expiresAt);
    if (id) this.logger.log(`created console session token ${id} for user ${session.userId}`);
    return { token, expiresAt: session.expiresAt };
  }

  /** Sign-out: the session's token stops working with it. Unknown sessions are not an error. */
  async revokeFor(body: unknown): Promise<void> {
    const sessionHash = (body as { sessionHash?: unknown } | undefined)?.sessionHash;
    if (!isAccessTokenHash(sessionHash)) return;
    const repos = this.database.repositories;
    const existing = await repos.tokens.findByHash(hashAccessToken(consoleSessionTokenValue(this.key, sessionHash)));
    if (existing && existing.revokedAt === null) await repos.tokens.revoke(existing.id, this.now());
  }

  private async insert(userId: string, name: string, tokenHash: string, expiresAt: number): Promise<string | undefined> {
    const id = globalThis.crypto.randomUUID();
    try {
      await this.database.repositories.tokens.insert({
        id,
        userId,
        orgId: null,
        kind: 'personal',
        name,
        tokenHash,
        description: 'Used by the web console for this sign-in session',
        createdAt: this.now(),
        lastUsedAt: null,
        expiresAt,
        revokedAt: null,
      });
      return id;
    } catch (error) {
      // Two console requests of one session raced: the other one's row is the same token.
      if (await this.database.repositories.tokens.findByHash(tokenHash)) return undefined;
      throw error;
    }
  }
}
