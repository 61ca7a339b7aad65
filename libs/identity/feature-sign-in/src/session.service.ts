import { Inject, Injectable } from '@nestjs/common';
import { generateSessionToken, hashSessionToken, isAccessTokenHash } from '@stackyard/identity-domain';
import { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { ResolveSessionResponse, SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';

/** A session's idle timer moves at most once a minute: resolving stays a read on most requests. */
export const SESSION_TOUCH_RESOLUTION_MS = 60_000;

export interface SessionContext {
  provider: string;
  sourceIp: string;
  userAgent: string;
  /** The identity provider's own limit for this session (SAML SessionNotOnOrAfter), epoch milliseconds. */
  notAfter?: number;
}

/** The least a new session lasts, even when the provider's limit is nearer (it was accepted within the clock skew). */
const MIN_SESSION_MS = 60_000;

/**
 * Console sessions: created at sign-in, resolved on each console request (idle and absolute
 * timeouts, revocation), revoked at sign-out. Identity stores only the SHA-256 of the cookie value.
 */
@Injectable()
export class SessionService {
  private readonly now: () => number;

  constructor(
    private readonly database: IdentityDatabase,
    @Inject(SIGN_IN_OPTIONS) private readonly options: SignInOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(user: { id: string; login: string; name: string }, context: SessionContext): Promise<SignInResponse> {
    const token = generateSessionToken();
    const now = this.now();
    let expiresAt = now + this.options.sessionAbsoluteTimeoutMs;
    if (context.notAfter !== undefined) expiresAt = Math.min(expiresAt, Math.max(context.notAfter, now + MIN_SESSION_MS));
    await this.database.repositories.sessions.insert({
      tokenHash: hashSessionToken(token),
      userId: user.id,
      provider: context.provider,
      createdAt: now,
      lastSeenAt: now,
      idleTimeoutMs: this.options.sessionIdleTimeoutMs,
      expiresAt,
      revokedAt: null,
      sourceIp: context.sourceIp.slice(0, 64),
      userAgent: context.userAgent.slice(0, 255),
    });
    return {
      session: { token, expiresAt, idleTimeoutSeconds: Math.floor(this.options.sessionIdleTimeoutMs / 1000) },
      user: { id: user.id, login: user.login, name: user.name },
    };
  }

  /** The session's user, or 401 when it is unknown, revoked, expired or idle too long. */
  async resolve(body: unknown): Promise<ResolveSessionResponse & { userId: string }> {
    const sessionHash = sessionHashOf(body);
    const repos = this.database.repositories;
    const session = await repos.sessions.findByHash(sessionHash);
    const now = this.now();
    if (!session || session.revokedAt !== null || session.expiresAt <= now || now - session.lastSeenAt >= session.idleTimeoutMs) {
      throw ApiError.unauthorized('the session has ended; sign in again');
    }
    const user = await repos.users.findById(session.userId);
    if (!user) throw ApiError.unauthorized('the session has ended; sign in again');
    if (now - session.lastSeenAt >= SESSION_TOUCH_RESOLUTION_MS) await repos.sessions.touch(sessionHash, now, now - SESSION_TOUCH_RESOLUTION_MS + 1);
    return {
      userId: user.id,
      user: { id: user.id, login: user.login, name: user.name, email: user.email, siteAdmin: user.siteAdmin },
      organizations: await repos.memberships.organizationsOf(user.id),
      expiresAt: session.expiresAt,
    };
  }

  async revoke(body: unknown): Promise<void> {
    await this.database.repositories.sessions.revoke(sessionHashOf(body), this.now());
  }
}

function sessionHashOf(body: unknown): string {
  const sessionHash = (body as { sessionHash?: unknown } | undefined)?.sessionHash;
  if (!isAccessTokenHash(sessionHash)) throw ApiError.badRequest('sessionHash must be the lowercase hex SHA-256 of the session cookie');
  return sessionHash;
}
