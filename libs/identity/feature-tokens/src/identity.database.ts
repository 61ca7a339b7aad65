import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AccessControlRepository } from './access-control.repository';
import { AccessTokenRepository } from './access-token.repository';
import { AuditLogRepository } from './audit-log.repository';
import { isTransientConflict } from './database-errors.util';
import { MembershipRepository } from './membership.repository';
import { OAuthStateRepository } from './oauth-state.repository';
import { OidcIssuerRepository } from './oidc-issuer.repository';
import { OrganizationRepository } from './organization.repository';
import { SamlConfigurationRepository } from './saml-configuration.repository';
import { SamlConsumedAssertionRepository, SamlRequestRepository } from './saml-state.repository';
import { ScimGroupRepository } from './scim-group.repository';
import { ScimTokenRepository } from './scim-token.repository';
import { ScimUserRepository } from './scim-user.repository';
import { SessionRepository } from './session.repository';
import { SignInThrottleRepository } from './sign-in-throttle.repository';
import { TeamRepository } from './team.repository';
import { UserIdentityRepository } from './user-identity.repository';
import { UserRepository } from './user.repository';

/** The identity tables, bound to one EntityManager (the pool, or one transaction). */
export class IdentityRepositories {
  readonly users: UserRepository;
  readonly organizations: OrganizationRepository;
  readonly memberships: MembershipRepository;
  readonly tokens: AccessTokenRepository;
  readonly identities: UserIdentityRepository;
  readonly teams: TeamRepository;
  readonly sessions: SessionRepository;
  readonly throttle: SignInThrottleRepository;
  readonly samlConfigurations: SamlConfigurationRepository;
  readonly samlRequests: SamlRequestRepository;
  readonly samlAssertions: SamlConsumedAssertionRepository;
  readonly scimTokens: ScimTokenRepository;
  readonly scimUsers: ScimUserRepository;
  readonly scimGroups: ScimGroupRepository;
  readonly oauthStates: OAuthStateRepository;
  readonly oidcIssuers: OidcIssuerRepository;
  readonly accessControl: AccessControlRepository;
  readonly auditLog: AuditLogRepository;

  constructor(manager: EntityManager) {
    this.users = new UserRepository(manager);
    this.organizations = new OrganizationRepository(manager);
    this.memberships = new MembershipRepository(manager);
    this.tokens = new AccessTokenRepository(manager);
    this.identities = new UserIdentityRepository(manager);
    this.teams = new TeamRepository(manager);
    this.sessions = new SessionRepository(manager);
    this.throttle = new SignInThrottleRepository(manager);
    this.samlConfigurations = new SamlConfigurationRepository(manager);
    this.samlRequests = new SamlRequestRepository(manager);
    this.samlAssertions = new SamlConsumedAssertionRepository(manager);
    this.scimTokens = new ScimTokenRepository(manager);
    this.scimUsers = new ScimUserRepository(manager);
    this.scimGroups = new ScimGroupRepository(manager);
    this.oauthStates = new OAuthStateRepository(manager);
    this.oidcIssuers = new OidcIssuerRepository(manager);
    this.accessControl = new AccessControlRepository(manager);
    this.auditLog = new AuditLogRepository(manager);
  }
}

const MAX_ATTEMPTS = 8;

/**
 * TypeORM's better-sqlite3 driver has one connection per DataSource, so two overlapping
 * transactions on it would nest as savepoints of each other (or fail to BEGIN). Transactions are
 * queued per DataSource, however many IdentityDatabase objects share it.
 */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * The identity service's database: repositories outside a transaction, and transactions that are
 * retried when a concurrent writer (another replica) wins a unique key or a lock. Work passed to
 * `transaction` must therefore re-read what it depends on, which is what makes it race-free.
 */
@Injectable()
export class IdentityDatabase {
  readonly repositories: IdentityRepositories;
  private readonly sqlite: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.repositories = new IdentityRepositories(dataSource.manager);
    this.sqlite = dataSource.options.type === 'better-sqlite3';
  }

  async transaction<T>(work: (repositories: IdentityRepositories) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(work);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isTransientConflict(error)) throw error;
        // Jittered backoff so two replicas that collided do not collide again in lockstep.
        await sleep(Math.floor(Math.random() * 20 * attempt) + 5);
      }
    }
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  private once<T>(work: (repositories: IdentityRepositories) => Promise<T>): Promise<T> {
    const run = () => this.dataSource.transaction((manager) => work(new IdentityRepositories(manager)));
    if (!this.sqlite) return run();
    const result = (sqliteQueues.get(this.dataSource) ?? Promise.resolve()).then(run);
    sqliteQueues.set(
      this.dataSource,
      result.catch(() => undefined),
    );
    return result;
  }
}
