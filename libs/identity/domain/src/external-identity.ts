import { isValidLogin } from './names';

/**
 * A person as an identity provider (LDAP/AD, SAML, OAuth) vouches for them. Stackyard keys users by
 * (provider, subject) — the provider's stable id for the person (entryUUID, objectGUID, a SAML
 * persistent NameID, a numeric GitHub id) — never by e-mail or username alone: those get reused
 * and renamed, and trusting them would let one person inherit another's stacks.
 */
export interface ExternalIdentity {
  /** The configured sign-in method's id, e.g. `corp-ldap`. */
  provider: string;
  /** The provider's immutable id for the person. */
  subject: string;
  /** What the person typed or the provider calls them (`alice`, `alice@corp.example`). */
  username: string;
  displayName: string;
  email: string;
  /** The provider's groups for the person (DN and name for directories; names elsewhere). */
  groups: ExternalGroup[];
}

export interface ExternalGroup {
  /** A distinguished name for directories; the group's name or path for other providers. */
  id: string;
  name: string;
}

/** A group of a provider that puts its members into a team of the provider's organization. */
export interface TeamMapping {
  /** A group DN (`cn=platform,ou=groups,dc=corp`) or a plain group name (`platform`). */
  group: string;
  team: string;
}

/**
 * The login a new user gets: the username's local part, reduced to what logins allow. Callers add
 * a numeric suffix when it is taken by another person (see `loginCandidates`).
 */
export function baseLogin(username: string): string {
  const local = username.includes('@') ? username.slice(0, username.indexOf('@')) : username.includes('\\') ? username.slice(username.lastIndexOf('\\') + 1) : username;
  const cleaned = local
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 39)
    .replace(/[._-]+$/, '');
  return isValidLogin(cleaned) ? cleaned : 'user';
}

/** `alice`, `alice-2`, `alice-3`, …: each a valid login of at most 39 characters. */
export function* loginCandidates(username: string): Generator<string> {
  const base = baseLogin(username);
  yield base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    yield base.slice(0, 39 - suffix.length) + suffix;
  }
}

/**
 * The teams a person's groups map to. A mapping names a group by DN or by name; DNs compare
 * case-insensitively and ignore spaces after separators (`CN=Platform, OU=Groups` is
 * `cn=platform,ou=groups`), as LDAP does; names compare case-insensitively too, as AD does.
 */
export function mappedTeams(groups: readonly ExternalGroup[], mappings: readonly TeamMapping[]): string[] {
  const ids = new Set(groups.map((g) => normalizeGroup(g.id)));
  const names = new Set(groups.map((g) => g.name.toLowerCase()));
  const teams = new Set<string>();
  for (const mapping of mappings) {
    const wanted = normalizeGroup(mapping.group);
    if (ids.has(wanted) || (!mapping.group.includes('=') && names.has(mapping.group.toLowerCase()))) teams.add(mapping.team);
  }
  return [...teams].sort();
}

function normalizeGroup(group: string): string {
  return group
    .split(/(?<!\\),/)
    .map((part) => part.trim())
    .join(',')
    .toLowerCase();
}
