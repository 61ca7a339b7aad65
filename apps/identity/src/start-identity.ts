import type { DataSource } from 'typeorm';
import { IdentityBootstrapService, IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { runMigrations } from '@stackyard/shared-db';
import { createLogger, type RunningService, ServiceMetrics, startService } from '@stackyard/shared-service';
import { createLeaderElector, type LeaderElector } from '@stackyard/shared-leader-election';
import { consoleTokenKey, type SignInOptions } from '@stackyard/identity-feature-sign-in';
import type { MachineIdentityOptions } from '@stackyard/identity-feature-machine-identity';
import type { AuditLogOptions } from '@stackyard/identity-feature-audit';
import { AppModule } from './app.module';
import { identityMaxBodyBytes } from './body-limits';
import { directoryMethods } from './directories.config';
import { oauthMethods } from './oauth-providers.config';
import { createIdentityDataSource, IDENTITY_MIGRATION_LOCK, IDENTITY_MIGRATIONS_TABLE } from './data-source';
import { identitySweeperJob } from './identity-sweeper';
import type { IdentityConfig } from './identity.config';

/** Peers allowed to call identity: the api (every CLI request) and the console's backend. */
export const IDENTITY_ALLOWED_PEERS = ['api', 'console-backend'];

function signInOptions(config: IdentityConfig): SignInOptions {
  const lockMs = config.SIGN_IN_LOCKOUT_SECONDS * 1000;
  return {
    sessionIdleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
    sessionAbsoluteTimeoutMs: config.SESSION_ABSOLUTE_TIMEOUT_SECONDS * 1000,
    accountThrottle: { maxFailures: config.SIGN_IN_MAX_FAILURES, windowMs: lockMs, lockMs },
    addressThrottle: { maxFailures: config.SIGN_IN_MAX_FAILURES_PER_ADDRESS, windowMs: lockMs, lockMs },
    directories: directoryMethods(config.directories),
    ...(config.CONSOLE_URL ? { consoleUrl: config.CONSOLE_URL } : {}),
    // The bootstrap admin is always break-glass: the way back in if the organization's IdP fails.
    breakGlassLogins: [...new Set([config.BOOTSTRAP_ADMIN_LOGIN, ...config.BREAK_GLASS_LOGINS])],
    oauthMethods: oauthMethods(config.oauthProviders),
    oauthStateTtlMs: config.OAUTH_STATE_TTL_SECONDS * 1000,
    ...optionalKey(consoleTokenKey(config.CONSOLE_TOKEN_KEY, config.DATABASE_URL)),
  };
}

function optionalKey(key: Buffer | undefined): { consoleTokenKey?: Buffer } {
  return key ? { consoleTokenKey: key } : {};
}

function machineIdentityOptions(config: IdentityConfig): MachineIdentityOptions {
  return {
    maxIssuedTokenLifetimeSeconds: config.OIDC_MAX_TOKEN_LIFETIME_SECONDS,
    clockSkewSeconds: config.OIDC_CLOCK_SKEW_SECONDS,
    maxSubjectTokenAgeSeconds: config.OIDC_MAX_SUBJECT_TOKEN_AGE_SECONDS,
    jwksCacheSeconds: config.OIDC_JWKS_CACHE_SECONDS,
    discoveryAllowedHosts: config.OIDC_DISCOVERY_HOSTS,
    ...(config.OIDC_CA !== undefined ? { discoveryCaPem: config.OIDC_CA } : {}),
  };
}

function auditLogOptions(config: IdentityConfig): AuditLogOptions {
  return {
    // CEF's device version; the release's own version is not compiled in.
    productVersion: '0.1.0',
    ...(config.AUDIT_SYSLOG_URL !== undefined ? { syslog: { url: config.AUDIT_SYSLOG_URL, ...(config.AUDIT_SYSLOG_CA !== undefined ? { caPem: config.AUDIT_SYSLOG_CA } : {}) } } : {}),
  };
}

export interface RunningIdentity extends RunningService {
  dataSource: DataSource;
  /** Leadership of identity's lease, under which the sweeper runs. */
  elector: LeaderElector;
}

/**
 * Opens the database, brings the schema up to date (or checks it is), creates the first admin if
 * configured, then listens with mutual TLS. Rejects, with nothing left open, if any step fails.
 */
export async function startIdentity(config: IdentityConfig): Promise<RunningIdentity> {
  const logger = createLogger('identity', config);
  const dataSource = createIdentityDataSource(config.DATABASE_URL);
  await dataSource.initialize();
  let elector: LeaderElector | undefined;
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await runMigrations(dataSource, IDENTITY_MIGRATION_LOCK);
      if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
    } else if (await dataSource.showMigrations()) {
      throw new Error('the identity database has pending migrations; run the migrate entry (dist/apps/identity/src/migrate.js) first');
    }
    const database = new IdentityDatabase(dataSource);
    if (config.BOOTSTRAP_ADMIN_TOKEN !== undefined) {
      await new IdentityBootstrapService(database, logger).run({
        token: config.BOOTSTRAP_ADMIN_TOKEN,
        login: config.BOOTSTRAP_ADMIN_LOGIN,
        organization: config.BOOTSTRAP_ORG,
      });
    }
    // After migrations: the database backend's table comes from one.
    elector = await createLeaderElector(config, { service: 'identity', databaseUrl: config.DATABASE_URL, migrationsTableName: IDENTITY_MIGRATIONS_TABLE, logger });
    const metrics = new ServiceMetrics('identity');
    const leaseName = elector.leaseName;
    metrics.setLeader(leaseName, false);
    elector.onLeadershipChange((leading) => metrics.setLeader(leaseName, leading));
    const sweeper = identitySweeperJob(elector, database, { intervalMs: config.SWEEP_INTERVAL_SECONDS * 1000, signInWindowMs: config.SIGN_IN_LOCKOUT_SECONDS * 1000 }, logger);
    const service = await startService({
      name: 'identity',
      module: AppModule.register(dataSource, { defaultOrganization: config.BOOTSTRAP_ORG }, signInOptions(config), machineIdentityOptions(config), auditLogOptions(config), [elector, sweeper]),
      config,
      allowedPeers: IDENTITY_ALLOWED_PEERS,
      maxBodyBytes: identityMaxBodyBytes,
      readiness: () => [() => database.ping()],
      metrics,
    });
    return { ...service, dataSource, elector };
  } catch (error) {
    await elector?.stop();
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
}
