import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type ExternalIdentity, loginCandidates, mappedTeams, type TeamMapping } from '@stackyard/identity-domain';
import { AuditTrail, IdentityDatabase, type IdentityRepositories, type UserEntity } from '@stackyard/identity-feature-tokens';
import { ApiError } from '@stackyard/shared-errors';
import { signInAuditEvent } from './sign-in-audit';

/** How many numbered logins (`alice-2`, …) to try before giving up on a name. */
const MAX_LOGIN_CANDIDATES = 50;

export interface ProvisionedUser {
  user: UserEntity;
  created: boolean;
  teams: { added: string[]; removed: string[] };
}

/**
 * Just-in-time provisioning at sign-in: the (provider, subject) pair finds the user or creates
 * one; name and e-mail follow the provider; the user is a member (at least) of the method's
 * organization; and the teams the provider's groups map to are synced — only the memberships this
 * provider created, so manual grants and other providers' stay.
 *
 * One transaction, retried on a unique-key conflict (two first sign-ins at once, two people
 * wanting `alice`): the retry re-reads and finds the other's row.
 */
@Injectable()
export class UserProvisioningService {
  constructor(
    private readonly database: IdentityDatabase,
    private readonly audit: AuditTrail,
  ) {}

  provision(identity: ExternalIdentity, organization: string, mappings: readonly TeamMapping[], now: number): Promise<ProvisionedUser> {
    return this.database.transaction(async (repos) => {
      const known = await repos.identities.find(identity.provider, identity.subject);
      let user = known ? await repos.users.findById(known.userId) : null;
      // A user their organization deactivated through SCIM signs in nowhere until it reactivates them.
      if (user && (await repos.scimUsers.isDeactivated(user.id))) {
        const line = { event: 'auth.sign-in.failed', method: identity.provider, user: user.login, reason: 'deactivated' };
        // Not awaited: inside this transaction the append would wait for the transaction itself (SQLite).
        void this.audit.record(signInAuditEvent(line), line);
        throw ApiError.forbidden('this account has been deactivated by its organization; ask your administrator');
      }
      const created = !user;
      if (!user) {
        user = {
          id: randomUUID(),
          login: await this.freeLogin(repos, identity.username),
          name: identity.displayName || identity.username,
          email: identity.email,
          avatarUrl: '',
          siteAdmin: false,
          createdAt: now,
        };
        await repos.users.insert(user);
        await repos.identities.insert({ provider: identity.provider, subject: identity.subject, userId: user.id, username: identity.username, createdAt: now, lastSignInAt: now });
      } else {
        const name = identity.displayName || user.name;
        if (name !== user.name || identity.email !== user.email) {
          await repos.users.updateProfile(user.id, name, identity.email);
          user = { ...user, name, email: identity.email };
        }
        await repos.identities.recordSignIn(identity.provider, identity.subject, identity.username, now);
      }
      const org = await this.ensureOrganization(repos, organization, now);
      if (!(await repos.memberships.find(org, user.id))) await repos.memberships.insert({ orgId: org, userId: user.id, role: 'member', createdAt: now });
      const teamIds: string[] = [];
      for (const team of mappedTeams(identity.groups, mappings)) teamIds.push(await this.ensureTeam(repos, org, team, now));
      const teams = await repos.teams.syncMemberships(user.id, identity.provider, teamIds, now);
      return { user, created, teams };
    });
  }

  private async freeLogin(repos: IdentityRepositories, username: string): Promise<string> {
    let tried = 0;
    for (const candidate of loginCandidates(username)) {
      if (!(await repos.users.findByLogin(candidate))) return candidate;
      if (++tried >= MAX_LOGIN_CANDIDATES) break;
    }
    throw new Error(`no free login derived from '${username}' after ${MAX_LOGIN_CANDIDATES} tries`);
  }

  private async ensureOrganization(repos: IdentityRepositories, name: string, now: number): Promise<string> {
    const existing = await repos.organizations.findByName(name);
    if (existing) return existing.id;
    const id = randomUUID();
    await repos.organizations.insert({ id, name, createdAt: now });
    return id;
  }

  private async ensureTeam(repos: IdentityRepositories, orgId: string, name: string, now: number): Promise<string> {
    const existing = await repos.teams.findByName(orgId, name);
    if (existing) return existing.id;
    const id = randomUUID();
    await repos.teams.insert({ id, orgId, name, createdAt: now });
    return id;
  }
}
