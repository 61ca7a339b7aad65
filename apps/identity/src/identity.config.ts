import { z } from 'zod';
import { ConfigError, envBoolean, envPositiveInt, loadConfig } from '@stackyard/shared-config';
import { databaseUrlProblems } from '@stackyard/shared-db';
import { isValidLogin, isValidOrganizationName, LOGIN_RULE, ORG_NAME_RULE, weakTokenReason } from '@stackyard/identity-domain';
import { internalListenerProblems, serviceConfigShape } from '@stackyard/shared-service';
import { parseSyslogUrl } from '@stackyard/identity-feature-audit';
import { LEADER_ELECTION_ENV_ALIASES, leaderElectionConfigProblems, leaderElectionConfigShape } from '@stackyard/shared-leader-election';
import { type DirectoryEntry, parseDirectories } from './directories.config';
import { oauthCrossProblems, type OAuthProviderEntry, parseOAuthProviders } from './oauth-providers.config';

const databaseUrl = z.string({ error: 'is required (sqlite:/path/identity.db or mysql://user:password@host:3306/identity)' });

/** Only what the migration Job needs: it must not require TLS files or the bootstrap token. */
export const identityMigrateConfigSchema = z.object({ DATABASE_URL: databaseUrl });

export const identityConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(7443),
  DATABASE_URL: databaseUrl,
  /** Run pending migrations at start; the chart turns this off and runs `migrate.js` as a Job. */
  MIGRATE_ON_START: envBoolean.default(true),
  /** The first site admin's token (≥128 bits of entropy); usually `STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE`. */
  BOOTSTRAP_ADMIN_TOKEN: z.string().optional(),
  BOOTSTRAP_ADMIN_LOGIN: z.string().default('admin'),
  BOOTSTRAP_ORG: z.string().default('stackyard'),
  /** Console sessions end after this long unused, and at the latest after the absolute timeout. */
  SESSION_IDLE_TIMEOUT_SECONDS: envPositiveInt.default(3600),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: envPositiveInt.default(43_200),
  /** Password sign-ins: failures per account within the lockout period before it locks for that period. */
  SIGN_IN_MAX_FAILURES: envPositiveInt.default(5),
  SIGN_IN_LOCKOUT_SECONDS: envPositiveInt.default(900),
  /** The same per source address (many accounts from one place). */
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: envPositiveInt.default(100),
  /** LDAP / Active Directory sign-in methods, as JSON (usually `STACKYARD_DIRECTORIES_FILE`); see docs/identity.md. */
  DIRECTORIES: z.string().optional(),
  /** GitHub Enterprise / GitLab / Bitbucket Data Center sign-in, as JSON (usually `STACKYARD_OAUTH_PROVIDERS_FILE`); see docs/identity.md. */
  OAUTH_PROVIDERS: z.string().optional(),
  /** How long a started OAuth sign-in can be completed at the provider. */
  OAUTH_STATE_TTL_SECONDS: envPositiveInt.max(3600).default(600),
  /**
   * The console's origin as browsers see it (`https://console.example.com`): each organization's
   * SAML service provider lives there (`/saml/<org>`, ACS `/saml/<org>/acs`). Unset: no SAML sign-in.
   */
  CONSOLE_URL: z
    .url()
    .refine((url) => /^https?:\/\//.test(url), { error: 'must be an http(s):// URL' })
    .transform((url) => new URL(url).origin)
    .optional(),
  /** Logins (comma-separated) that keep directory sign-in when their organization requires SAML; the bootstrap admin always does. */
  BREAK_GLASS_LOGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((login) => login.trim()).filter(Boolean)),
  /** Longest lifetime of a token the OIDC token exchange issues; a longer `expiration` is capped to it. */
  OIDC_MAX_TOKEN_LIFETIME_SECONDS: envPositiveInt.default(7200),
  /** Clock difference tolerated on an OIDC token's exp, nbf and iat. */
  OIDC_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  /** An OIDC token issued longer ago than this is refused, whatever its expiry. */
  OIDC_MAX_SUBJECT_TOKEN_AGE_SECONDS: envPositiveInt.default(86_400),
  /** How long keys fetched from an issuer (discovery → jwks_uri) are used before fetching them again. */
  OIDC_JWKS_CACHE_SECONDS: envPositiveInt.default(300),
  /** PEM certificates trusted when fetching issuer keys (usually `STACKYARD_OIDC_CA_FILE`); unset: Node's built-in roots. */
  OIDC_CA: z.string().optional(),
  /** Hosts (comma-separated, `*.example.com` allowed) identity may fetch issuer keys from; empty: any. */
  OIDC_DISCOVERY_HOSTS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((host) => host.trim()).filter(Boolean)),
  /** Derives the console's per-session api tokens (≥ 32 bytes; usually `STACKYARD_CONSOLE_TOKEN_KEY_FILE`). Unset: generated beside a SQLite database, else per process. */
  CONSOLE_TOKEN_KEY: z.string().optional(),
  /** Also stream every stored audit event to this syslog server: `tls://host:port` (RFC 5424 over TLS, RFC 5425 framing). */
  AUDIT_SYSLOG_URL: z.string().optional(),
  /** PEM certificates that verify the syslog server (usually `STACKYARD_AUDIT_SYSLOG_CA_FILE`); unset: Node's built-in roots. */
  AUDIT_SYSLOG_CA: z.string().optional(),
  /** Leader election for identity's cluster singletons (the sweeper); see leaderElectionConfigShape. */
  ...leaderElectionConfigShape,
  /** How often the leader sweeps ended sessions, idle sign-in throttle rows and expired sign-in states. */
  SWEEP_INTERVAL_SECONDS: envPositiveInt.default(300),
});

export type IdentityConfig = z.infer<typeof identityConfigSchema> & {
  /** The parsed `DIRECTORIES`. */
  directories: DirectoryEntry[];
  /** The parsed `OAUTH_PROVIDERS`. */
  oauthProviders: OAuthProviderEntry[];
};

/** Problems a parsed config can show across fields. Messages never contain the token or a password. */
export function identityConfigProblems(config: z.infer<typeof identityConfigSchema>): string[] {
  const problems = [...internalListenerProblems(config), ...databaseUrlProblems(config.DATABASE_URL), ...leaderElectionConfigProblems(config)];
  if (!isValidLogin(config.BOOTSTRAP_ADMIN_LOGIN)) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_LOGIN must be ${LOGIN_RULE}`);
  if (!isValidOrganizationName(config.BOOTSTRAP_ORG)) problems.push(`STACKYARD_BOOTSTRAP_ORG must be ${ORG_NAME_RULE}`);
  if (config.BOOTSTRAP_ADMIN_TOKEN !== undefined) {
    const reason = weakTokenReason(config.BOOTSTRAP_ADMIN_TOKEN);
    if (reason) problems.push(`STACKYARD_BOOTSTRAP_ADMIN_TOKEN is too weak: it ${reason}`);
  }
  if (config.OIDC_CA !== undefined && !/-----BEGIN CERTIFICATE-----/.test(config.OIDC_CA)) problems.push('STACKYARD_OIDC_CA must hold PEM certificates (-----BEGIN CERTIFICATE-----)');
  for (const host of config.OIDC_DISCOVERY_HOSTS) {
    if (!/^(\*\.)?[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`STACKYARD_OIDC_DISCOVERY_HOSTS: '${host.slice(0, 64)}' is not a host name (or *.domain)`);
  }
  if (config.AUDIT_SYSLOG_URL !== undefined) {
    const target = parseSyslogUrl(config.AUDIT_SYSLOG_URL);
    if (typeof target === 'string') problems.push(`STACKYARD_AUDIT_SYSLOG_URL ${target}`);
  }
  if (config.AUDIT_SYSLOG_CA !== undefined && !/-----BEGIN CERTIFICATE-----/.test(config.AUDIT_SYSLOG_CA)) problems.push('STACKYARD_AUDIT_SYSLOG_CA must hold PEM certificates (-----BEGIN CERTIFICATE-----)');
  for (const login of config.BREAK_GLASS_LOGINS) {
    const shown = login.slice(0, 64);
    if (!isValidLogin(login)) problems.push(`STACKYARD_BREAK_GLASS_LOGINS: '${shown}' is not a login (${LOGIN_RULE})`);
  }
  if (config.SESSION_ABSOLUTE_TIMEOUT_SECONDS < config.SESSION_IDLE_TIMEOUT_SECONDS) {
    problems.push('STACKYARD_SESSION_ABSOLUTE_TIMEOUT_SECONDS must be at least STACKYARD_SESSION_IDLE_TIMEOUT_SECONDS');
  }
  return problems;
}

export function loadIdentityConfig(env: NodeJS.ProcessEnv): IdentityConfig {
  const config = loadConfig(identityConfigSchema, { env, aliases: LEADER_ELECTION_ENV_ALIASES });
  const directories = parseDirectories(config.DIRECTORIES);
  const oauthProviders = parseOAuthProviders(config.OAUTH_PROVIDERS);
  const problems = [...identityConfigProblems(config), ...directories.problems, ...oauthProviders.problems, ...oauthCrossProblems(config, directories.entries, oauthProviders.entries)];
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, directories: directories.entries, oauthProviders: oauthProviders.entries };
}
