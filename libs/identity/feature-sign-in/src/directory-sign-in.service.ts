import { Inject, Injectable } from '@nestjs/common';
import { afterFailure, baseLogin, lockedUntil, type ThrottlePolicy } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { DirectorySignInRequest, SignInResponse } from '@stackyard/shared-contracts';
import { ApiError } from '@stackyard/shared-errors';
import { SessionService } from './session.service';
import { DirectorySignInError, type DirectoryMethod, SIGN_IN_OPTIONS, type SignInOptions } from './sign-in.options';
import { UserProvisioningService } from './user-provisioning.service';
import { signInAuditEvent } from './sign-in-audit';

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

/**
 * Username-and-password sign-in against a configured LDAP / AD directory: throttled per account
 * and per source address, the user provisioned just in time with the directory's groups mapped to
 * teams, and a console session opened. Every outcome is an audit line (never the password).
 */
@Injectable()
export class DirectorySignInService {
  private readonly now: () => number;
  private readonly breakGlassLogins: ReadonlySet<string>;

  constructor(
    private readonly database: IdentityDatabase,
    private readonly provisioning: UserProvisioningService,
    private readonly sessions: SessionService,
    @Inject(SIGN_IN_OPTIONS) private readonly options: SignInOptions,
    private readonly audit: AuditTrail,
  ) {
    this.now = options.now ?? Date.now;
    this.breakGlassLogins = new Set(options.breakGlassLogins ?? []);
  }

  async signIn(methodId: string, body: unknown): Promise<SignInResponse> {
    const method = this.options.directories.find((d) => d.id === methodId);
    if (!method) throw ApiError.notFound(`no directory sign-in method '${methodId}'`);
    const request = parseRequest(body);
    const accountKey = `account:${method.id}:${request.username.toLowerCase()}`;
    const addressKey = `address:${request.sourceIp}`;
    const context = { method: method.id, username: request.username, sourceIp: request.sourceIp };

    const until = await this.lockedUntil([accountKey, addressKey]);
    if (until !== undefined) {
      this.record('auth.sign-in.failed', { ...context, reason: 'throttled' });
      const minutes = Math.max(1, Math.ceil((until - this.now()) / 60_000));
      throw ApiError.tooManyRequests(`too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`);
    }

    let person;
    try {
      person = await method.authenticator.authenticate(request.username, request.password);
    } catch (error) {
      throw await this.refused(error, method, context, [accountKey, addressKey]);
    }
    await this.database.repositories.throttle.clear(accountKey);
    if (await this.samlRequired(method, person)) {
      this.record('auth.sign-in.failed', { ...context, reason: 'saml-required' });
      throw ApiError.forbidden(`this organization requires SAML sign-in; use "${method.organization} SSO" on the sign-in page`);
    }
    const { user, created, teams } = await this.provisioning.provision({ ...person, provider: method.id }, method.organization, method.teamMappings, this.now());
    const response = await this.sessions.create(user, { provider: method.id, sourceIp: request.sourceIp, userAgent: request.userAgent });
    this.record('auth.sign-in.succeeded', { ...context, user: user.login, userCreated: created, teamsAdded: teams.added.length, teamsRemoved: teams.removed.length });
    return response;
  }

  /**
   * Whether the method's organization has SAML sign-in enabled and this person may therefore not
   * sign in here. Break-glass logins may. The login is the one the person's user has (found by
   * provider and subject) or, for a first sign-in, the one provisioning would give them if it is
   * still free: never a name alone, or a directory entry called "admin" could pass for the
   * bootstrap admin.
   */
  private async samlRequired(method: DirectoryMethod, person: { subject: string; username: string }): Promise<boolean> {
    const repos = this.database.repositories;
    const organization = await repos.organizations.findByName(method.organization);
    if (!organization || !(await repos.samlConfigurations.find(organization.id))?.enabled) return false;
    const known = await repos.identities.find(method.id, person.subject);
    const user = known ? await repos.users.findById(known.userId) : null;
    if (user) return !this.breakGlassLogins.has(user.login);
    const login = baseLogin(person.username);
    return !this.breakGlassLogins.has(login) || (await repos.users.findByLogin(login)) !== null;
  }

  private async refused(error: unknown, method: DirectoryMethod, context: Record<string, unknown>, keys: string[]): Promise<ApiError> {
    if (!(error instanceof DirectorySignInError)) {
      this.record('auth.sign-in.failed', { ...context, reason: 'error' });
      return ApiError.unavailable(`the directory '${method.displayName}' could not be asked`);
    }
    this.record('auth.sign-in.failed', { ...context, reason: error.refusal, detail: error.message });
    switch (error.refusal) {
      case 'invalid-credentials':
      case 'ambiguous':
        await this.countFailure(keys);
        // Unknown user and wrong password read the same, so the form tells no one who exists.
        return ApiError.unauthorized('the username or password is not correct');
      case 'disabled':
        await this.countFailure(keys);
        return ApiError.forbidden('this account is disabled in the directory; ask your directory administrator');
      case 'unavailable':
        return ApiError.unavailable(`the directory '${method.displayName}' cannot be reached; try again later`);
      case 'misconfigured':
        return ApiError.unavailable(`the directory '${method.displayName}' is misconfigured; an administrator must check it (see the identity service log)`);
    }
  }

  private async lockedUntil(keys: string[]): Promise<number | undefined> {
    const now = this.now();
    let latest: number | undefined;
    for (const key of keys) {
      const until = lockedUntil(await this.database.repositories.throttle.find(key), now);
      if (until !== undefined && (latest === undefined || until > latest)) latest = until;
    }
    return latest;
  }

  private async countFailure(keys: string[]): Promise<void> {
    const policies: ThrottlePolicy[] = [this.options.accountThrottle, this.options.addressThrottle];
    await this.database.transaction(async (repos) => {
      const now = this.now();
      for (const [i, key] of keys.entries()) await repos.throttle.save(key, afterFailure(await repos.throttle.find(key), now, policies[i]));
    });
  }

  /** Never awaited: a sign-in's answer does not wait for the audit log (AuditTrail never throws). */
  private record(event: string, fields: Record<string, unknown>): void {
    const line = { event, ...fields };
    void this.audit.record(signInAuditEvent(line), line);
  }
}

function parseRequest(body: unknown): Required<DirectorySignInRequest> {
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const username = typeof raw['username'] === 'string' ? raw['username'].trim() : '';
  const password = typeof raw['password'] === 'string' ? raw['password'] : '';
  const sourceIp = typeof raw['sourceIp'] === 'string' ? raw['sourceIp'] : '';
  const userAgent = typeof raw['userAgent'] === 'string' ? raw['userAgent'] : '';
  if (!username || username.length > MAX_USERNAME || /[\u0000-\u001f\u007f]/.test(username)) throw ApiError.badRequest(`username must be 1–${MAX_USERNAME} printable characters`);
  // An empty password would be an anonymous LDAP bind, which "succeeds": refused before any directory call.
  if (!password || password.length > MAX_PASSWORD) throw ApiError.badRequest(`password must be 1–${MAX_PASSWORD} characters`);
  if (!sourceIp || sourceIp.length > 64) throw ApiError.badRequest('sourceIp is required');
  return { username, password, sourceIp, userAgent: userAgent.slice(0, 255) };
}
