import { randomUUID } from 'node:crypto';
import { Logger, type LoggerService } from '@nestjs/common';
import { hashAccessToken } from '@stackyard/identity-domain';
import type { IdentityDatabase, IdentityRepositories } from './identity.database';

export interface BootstrapSettings {
  /** The operator-chosen admin token; only its hash is used or stored. */
  token: string;
  login: string;
  organization: string;
}

export type BootstrapOutcome = 'created' | 'already-bootstrapped';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';

/** The configured bootstrap cannot be applied to this database; an operator has to choose. */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/**
 * Creates the first site admin, non-interactively, so an install is usable without a sign-up race:
 * in one transaction, if no site admin exists yet, the admin user, the organization (with the user
 * as its admin) and a personal token named `bootstrap` holding the configured token's hash.
 *
 * Replicas may run this at the same time. Whoever loses a unique key (login, org name, token hash)
 * has its transaction rolled back and retried by `IdentityDatabase.transaction`, and the retry then
 * sees the admin and does nothing, so exactly one admin results.
 */
export class IdentityBootstrapService {
  constructor(
    private readonly database: IdentityDatabase,
    /** It runs before the Nest app exists, so the app passes its own logger in. */
    private readonly logger: LoggerService = new Logger(IdentityBootstrapService.name),
    private readonly now: () => number = Date.now,
  ) {}

  async run(settings: BootstrapSettings): Promise<BootstrapOutcome> {
    const tokenHash = hashAccessToken(settings.token);
    const outcome = await this.database.transaction((repos) => this.bootstrapOnce(repos, settings, tokenHash));
    if (outcome === 'created') {
      this.logger.log(`bootstrap: created site admin '${settings.login}', organization '${settings.organization}' and its '${BOOTSTRAP_TOKEN_NAME}' token`);
    } else if (!(await this.database.repositories.tokens.findByHash(tokenHash))) {
      // Not an error (the admin may have rotated it), but an operator who just changed the
      // variable would otherwise wonder why the new value does not work.
      this.logger.warn('bootstrap: a site admin already exists; STACKYARD_BOOTSTRAP_ADMIN_TOKEN is not registered and was ignored');
    }
    return outcome;
  }

  private async bootstrapOnce(repos: IdentityRepositories, settings: BootstrapSettings, tokenHash: string): Promise<BootstrapOutcome> {
    if (await repos.users.siteAdminExists()) return 'already-bootstrapped';
    const now = this.now();
    let user = await repos.users.findByLogin(settings.login);
    if (user) {
      await repos.users.makeSiteAdmin(user.id);
    } else {
      user = { id: randomUUID(), login: settings.login, name: settings.login, email: '', avatarUrl: '', siteAdmin: true, createdAt: now };
      await repos.users.insert(user);
    }
    let org = await repos.organizations.findByName(settings.organization);
    if (!org) {
      org = { id: randomUUID(), name: settings.organization, createdAt: now };
      await repos.organizations.insert(org);
    }
    const membership = await repos.memberships.find(org.id, user.id);
    if (!membership) await repos.memberships.insert({ orgId: org.id, userId: user.id, role: 'admin', createdAt: now });
    else if (membership.role !== 'admin') await repos.memberships.setRole(org.id, user.id, 'admin');
    const existing = await repos.tokens.findByHash(tokenHash);
    if (existing) {
      if (existing.userId !== user.id) throw new BootstrapError('bootstrap: STACKYARD_BOOTSTRAP_ADMIN_TOKEN is already registered to another user; choose a new value');
      return 'created';
    }
    if (await repos.tokens.findByUserAndName(user.id, BOOTSTRAP_TOKEN_NAME)) {
      throw new BootstrapError(`bootstrap: user '${settings.login}' already has a token named '${BOOTSTRAP_TOKEN_NAME}' with another value; revoke or rename it, or choose another STACKYARD_BOOTSTRAP_ADMIN_LOGIN`);
    }
    await repos.tokens.insert({
      id: randomUUID(),
      userId: user.id,
      orgId: null,
      kind: 'personal',
      name: BOOTSTRAP_TOKEN_NAME,
      tokenHash,
      description: '',
      createdAt: now,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    return 'created';
  }
}
