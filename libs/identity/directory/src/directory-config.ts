import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { FilterParser } from 'ldapts';
import { USERNAME_PLACEHOLDER, renderUserFilter } from './ldap-filter';

export type DirectoryKind = 'openldap' | 'active-directory';

/**
 * How a user's groups, including groups of groups, are found:
 * - `member-of`: the user's `memberOf` values (OpenLDAP's memberof overlay, AD), then each group's
 *   own `memberOf`, level by level;
 * - `ad-transitive`: one search with AD's in-chain matching rule (1.2.840.113556.1.4.1941), which
 *   the domain controller expands itself; OpenLDAP does not implement it;
 * - `none`: no groups.
 */
export type GroupStrategy = 'member-of' | 'ad-transitive' | 'none';

/**
 * How a switched-off account is recognised:
 * - `ad-user-account-control`: AD's userAccountControl bit ACCOUNTDISABLE (0x2); a DC refuses
 *   such a bind with sub-code 533, and only when the password was right;
 * - `ppolicy-permanent-lock`: OpenLDAP's ppolicy overlay with `pwdAccountLockedTime:
 *   000001010000Z` (an administrator's lock that never expires; slapd 2.5). A lock left by too
 *   many failed binds carries a real time instead and counts as a wrong password;
 * - `none`.
 */
export type DisabledMarker = 'ad-user-account-control' | 'ppolicy-permanent-lock' | 'none';

/** `text`: the attribute's string value (entryUUID). `ad-guid`: AD's binary objectGUID. */
export type SubjectFormat = 'text' | 'ad-guid';

export interface DirectoryAttributes {
  /** What the person signs in as and what `DirectoryUser.username` reports (uid, sAMAccountName). */
  username: string;
  displayName: string;
  email: string;
  /** The immutable id Stackyard keys the person by (entryUUID, objectGUID). */
  subject: string;
  subjectFormat: SubjectFormat;
}

export interface GroupLookup {
  strategy: GroupStrategy;
  /** `ad-transitive` only: where groups live (default: the domain, i.e. the DC= part of userBaseDn). */
  baseDn?: string;
  /** The attribute that names a group (cn); the DN's first RDN value when it is missing. */
  nameAttribute: string;
  /** `member-of` only: how many levels of groups-in-groups are followed. */
  maxDepth: number;
}

/**
 * An LDAP or Active Directory server users sign in against. Passwords never travel in clear text:
 * `ldaps://` (TLS from the first byte) or `ldap://` with `startTls: true`. There is no plaintext
 * mode, not even for loopback: a simple bind carries the password itself.
 */
export interface DirectoryConfig {
  kind: DirectoryKind;
  /** `ldaps://host[:636]` or `ldap://host[:389]`; nothing after the port. */
  url: string;
  /** Upgrade an `ldap://` connection with StartTLS before anything else is sent. Required for `ldap://`. */
  startTls?: boolean;
  /** PEM of the CA certificate(s) to trust. Absent: Node's bundled public roots. */
  caCertificates?: string;
  /** The name the server certificate must carry when it is not the URL's host (e.g. connecting by IP). */
  tlsServerName?: string;
  /** The service account that searches for users (a DN, or for AD also a UPN such as `svc@corp.example`). */
  bindDn: string;
  bindPassword: string;
  /** Where users are searched (subtree). */
  userBaseDn: string;
  /** A filter with `{username}`, which is replaced by the escaped username. Default: per kind. */
  userFilter?: string;
  attributes?: Partial<DirectoryAttributes>;
  groups?: Partial<GroupLookup>;
  disabledMarker?: DisabledMarker;
  /** TCP connect plus TLS handshake (default 5 000). */
  connectTimeoutMs?: number;
  /** Each LDAP operation (default 10 000). */
  operationTimeoutMs?: number;
}

/** A DirectoryConfig with every default filled in. */
export interface ResolvedDirectoryConfig {
  kind: DirectoryKind;
  url: string;
  host: string;
  secure: boolean;
  startTls: boolean;
  caCertificates: string | undefined;
  tlsServerName: string | undefined;
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  userFilter: string;
  attributes: DirectoryAttributes;
  groups: Required<GroupLookup>;
  disabledMarker: DisabledMarker;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

interface DirectoryPreset {
  userFilter: string;
  attributes: DirectoryAttributes;
  groups: Omit<GroupLookup, 'baseDn'>;
  disabledMarker: DisabledMarker;
}

/** Defaults per kind; every field can be overridden in DirectoryConfig. */
export const DIRECTORY_PRESETS: Readonly<Record<DirectoryKind, DirectoryPreset>> = {
  openldap: {
    userFilter: `(&(objectClass=inetOrgPerson)(uid=${USERNAME_PLACEHOLDER}))`,
    attributes: { username: 'uid', displayName: 'cn', email: 'mail', subject: 'entryUUID', subjectFormat: 'text' },
    groups: { strategy: 'member-of', nameAttribute: 'cn', maxDepth: 10 },
    disabledMarker: 'ppolicy-permanent-lock',
  },
  'active-directory': {
    // Either the pre-Windows-2000 name (alice) or the UPN (alice@corp.example).
    userFilter: `(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=${USERNAME_PLACEHOLDER})(userPrincipalName=${USERNAME_PLACEHOLDER})))`,
    attributes: { username: 'sAMAccountName', displayName: 'displayName', email: 'mail', subject: 'objectGUID', subjectFormat: 'ad-guid' },
    groups: { strategy: 'ad-transitive', nameAttribute: 'cn', maxDepth: 10 },
    disabledMarker: 'ad-user-account-control',
  },
};

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 120_000;
const MAX_GROUP_DEPTH = 50;

const KINDS: readonly string[] = ['openldap', 'active-directory'];
const GROUP_STRATEGIES: readonly string[] = ['member-of', 'ad-transitive', 'none'];
const DISABLED_MARKERS: readonly string[] = ['ad-user-account-control', 'ppolicy-permanent-lock', 'none'];
const SUBJECT_FORMATS: readonly string[] = ['text', 'ad-guid'];
// An attribute description as ldapts' filter parser accepts it (names; OIDs are not supported there).
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Every problem with a configuration at once, as sentences for an administrator; empty when it
 * is usable. Checks shape only: whether the server agrees is what `LdapDirectory.check()` is for.
 */
export function directoryConfigProblems(config: DirectoryConfig): string[] {
  // Configurations come from files and environment variables: do not trust the static type.
  const raw = config as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const kind = raw['kind'];
  if (typeof kind !== 'string' || !KINDS.includes(kind)) problems.push(`kind must be one of ${KINDS.join(', ')}`);

  problems.push(...urlProblems(raw['url'], raw['startTls']));

  const ca = raw['caCertificates'];
  if (ca !== undefined) {
    if (typeof ca !== 'string') problems.push('caCertificates must be PEM text');
    else problems.push(...caProblems(ca));
  }
  const serverName = raw['tlsServerName'];
  if (serverName !== undefined && (typeof serverName !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(serverName) || isIP(serverName) !== 0)) {
    problems.push('tlsServerName must be a DNS name (the name in the server certificate)');
  }

  if (!nonEmptyString(raw['bindDn'])) problems.push('bindDn is required: the service account that searches for users');
  // An LDAP simple bind with an empty password is an anonymous bind that "succeeds".
  if (!nonEmptyString(raw['bindPassword'])) problems.push('bindPassword is required (an empty password would be an anonymous bind)');
  if (!nonEmptyString(raw['userBaseDn']) || !String(raw['userBaseDn']).includes('=')) problems.push('userBaseDn must be a DN such as ou=people,dc=example,dc=com');

  const userFilter = raw['userFilter'];
  if (userFilter !== undefined) {
    if (typeof userFilter !== 'string') problems.push('userFilter must be a string');
    else problems.push(...userFilterProblems(userFilter));
  }

  const attributes = raw['attributes'];
  if (attributes !== undefined) {
    if (!isRecord(attributes)) {
      problems.push('attributes must be an object');
    } else {
      for (const name of ['username', 'displayName', 'email', 'subject'] as const) {
        const value = attributes[name];
        if (value !== undefined && (typeof value !== 'string' || !ATTRIBUTE_NAME.test(value))) problems.push(`attributes.${name} must be an attribute name`);
      }
      const format = attributes['subjectFormat'];
      if (format !== undefined && (typeof format !== 'string' || !SUBJECT_FORMATS.includes(format))) problems.push(`attributes.subjectFormat must be one of ${SUBJECT_FORMATS.join(', ')}`);
    }
  }

  const groups = raw['groups'];
  if (groups !== undefined) {
    if (!isRecord(groups)) {
      problems.push('groups must be an object');
    } else {
      const strategy = groups['strategy'];
      if (strategy !== undefined && (typeof strategy !== 'string' || !GROUP_STRATEGIES.includes(strategy))) {
        problems.push(`groups.strategy must be one of ${GROUP_STRATEGIES.join(', ')}`);
      }
      if (strategy === 'ad-transitive' && kind === 'openldap') {
        problems.push('groups.strategy ad-transitive needs Active Directory: OpenLDAP does not implement the in-chain matching rule 1.2.840.113556.1.4.1941 (use member-of)');
      }
      const baseDn = groups['baseDn'];
      if (baseDn !== undefined && (!nonEmptyString(baseDn) || !baseDn.includes('='))) problems.push('groups.baseDn must be a DN');
      const nameAttribute = groups['nameAttribute'];
      if (nameAttribute !== undefined && (typeof nameAttribute !== 'string' || !ATTRIBUTE_NAME.test(nameAttribute))) problems.push('groups.nameAttribute must be an attribute name');
      const depth = groups['maxDepth'];
      if (depth !== undefined && (!Number.isInteger(depth) || (depth as number) < 1 || (depth as number) > MAX_GROUP_DEPTH)) {
        problems.push(`groups.maxDepth must be an integer from 1 to ${MAX_GROUP_DEPTH}`);
      }
    }
  }

  const marker = raw['disabledMarker'];
  if (marker !== undefined && (typeof marker !== 'string' || !DISABLED_MARKERS.includes(marker))) problems.push(`disabledMarker must be one of ${DISABLED_MARKERS.join(', ')}`);

  for (const name of ['connectTimeoutMs', 'operationTimeoutMs'] as const) {
    const value = raw[name];
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMEOUT_MS)) {
      problems.push(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
  }
  return problems;
}

/** Fills in the kind's defaults. The config must be free of problems (see directoryConfigProblems). */
export function resolveDirectoryConfig(config: DirectoryConfig): ResolvedDirectoryConfig {
  const preset = DIRECTORY_PRESETS[config.kind];
  const url = new URL(config.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const groups = { ...preset.groups, ...definedOnly(config.groups ?? {}) };
  return {
    kind: config.kind,
    url: config.url,
    host,
    secure: url.protocol === 'ldaps:',
    startTls: config.startTls === true,
    caCertificates: config.caCertificates,
    tlsServerName: config.tlsServerName,
    bindDn: config.bindDn,
    bindPassword: config.bindPassword,
    userBaseDn: config.userBaseDn,
    userFilter: config.userFilter ?? preset.userFilter,
    attributes: { ...preset.attributes, ...definedOnly(config.attributes ?? {}) },
    groups: { ...groups, baseDn: groups.baseDn ?? domainOf(config.userBaseDn) },
    disabledMarker: config.disabledMarker ?? preset.disabledMarker,
    connectTimeoutMs: config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    operationTimeoutMs: config.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
  };
}

function urlProblems(value: unknown, startTls: unknown): string[] {
  if (!nonEmptyString(value)) return ['url is required, e.g. ldaps://ldap.example.com:636'];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`url is not a URL: ${value}`];
  }
  const problems: string[] = [];
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') {
    problems.push(`url must start with ldaps:// or ldap:// (got ${url.protocol}//)`);
    return problems;
  }
  if (!url.hostname) problems.push('url must name a host');
  if (url.username || url.password) problems.push('url must not carry credentials; use bindDn and bindPassword');
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) problems.push('url must be scheme://host[:port] only; put the base DN into userBaseDn');
  if (startTls !== undefined && typeof startTls !== 'boolean') problems.push('startTls must be true or false');
  if (url.protocol === 'ldap:' && startTls !== true) {
    problems.push('ldap:// needs startTls: true (plaintext LDAP would send passwords in clear text and is not supported); or use ldaps://');
  }
  if (url.protocol === 'ldaps:' && startTls === true) problems.push('startTls applies to ldap:// only; ldaps:// is TLS from the start');
  return problems;
}

function caProblems(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return ['caCertificates must contain at least one PEM certificate (-----BEGIN CERTIFICATE-----)'];
  const problems: string[] = [];
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      problems.push(`caCertificates: certificate #${index + 1} cannot be parsed (${error instanceof Error ? error.message : String(error)})`);
    }
  });
  return problems;
}

function userFilterProblems(template: string): string[] {
  if (!template.includes(USERNAME_PLACEHOLDER)) return [`userFilter must contain ${USERNAME_PLACEHOLDER}`];
  if (!template.startsWith('(') || !template.endsWith(')')) return ['userFilter must be a parenthesised LDAP filter, e.g. (uid={username})'];
  // ldapts' parser forgives a missing closing parenthesis; the directory would not.
  if (!balancedParentheses(template)) return ['userFilter has unbalanced parentheses'];
  try {
    FilterParser.parseString(renderUserFilter(template, 'probe'));
  } catch (error) {
    return [`userFilter is not a valid LDAP filter (${error instanceof Error ? error.message : String(error)})`];
  }
  return [];
}

/** Parentheses (outside `\XX` escapes) pair up and the outermost pair spans the whole filter. */
function balancedParentheses(filter: string): boolean {
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === '\\') i += 2;
    else if (char === '(') depth++;
    else if (char === ')') {
      depth--;
      if (depth < 0 || (depth === 0 && i !== filter.length - 1)) return false;
    }
  }
  return depth === 0;
}

/** The naming context of a DN, its trailing dc= components: `cn=Users,dc=corp,dc=example` → `dc=corp,dc=example`. */
export function domainOf(dn: string): string {
  const match = /(?:^|,)\s*(dc=[^,]+(?:,\s*dc=[^,]+)*)\s*$/i.exec(dn);
  return match ? match[1] : dn;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
