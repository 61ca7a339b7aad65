import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { Client, ResultCodeError, type Entry } from 'ldapts';
import { directoryConfigProblems, resolveDirectoryConfig, type DirectoryConfig, type ResolvedDirectoryConfig } from './directory-config';
import { DirectoryError } from './directory.error';
import { escapeFilterValue, firstRdnValue, renderUserFilter } from './ldap-filter';
import { formatObjectGuid } from './object-guid';

export interface DirectoryGroup {
  dn: string;
  name: string;
}

/** A person the directory vouched for, with every group they are in, directly or through other groups. */
export interface DirectoryUser {
  /** The directory's immutable id for the person (entryUUID, objectGUID as a GUID string). */
  subject: string;
  /** The login as the directory spells it (uid, sAMAccountName), whichever form was typed. */
  username: string;
  /** The display name, or the username when the entry has none. */
  displayName: string;
  /** Empty when the entry has no e-mail address. */
  email: string;
  dn: string;
  groups: DirectoryGroup[];
}

// LDAP result codes (RFC 4511 §4.1.9) the outcome depends on.
const RESULT = {
  timeLimitExceeded: 3,
  strongerAuthRequired: 8,
  adminLimitExceeded: 11,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;

// AD puts the reason for a refused bind into the diagnostic message as `data <hex>`; 533 is
// ERROR_ACCOUNT_DISABLED, and a DC only says so when the password was right.
const AD_ACCOUNT_DISABLED = /\bdata 533\b/i;
const AD_ACCOUNTDISABLE_FLAG = 0x2;
// ppolicy's marker for a lock that no timeout lifts (an administrator's).
const PPOLICY_PERMANENT_LOCK = '000001010000Z';
const PPOLICY_LOCK_ATTRIBUTE = 'pwdAccountLockedTime';
const MEMBER_OF = 'memberOf';
const LDAP_MATCHING_RULE_IN_CHAIN = '1.2.840.113556.1.4.1941';
/** Beyond this many groups a user's group list is cut, rather than walking an unbounded graph. */
const MAX_GROUPS = 1_000;
const MAX_USERNAME_LENGTH = 256;

type Stage = 'connect' | 'service bind' | 'user search' | 'user bind' | 'group lookup' | 'base check';

/**
 * Username-and-password sign-in against OpenLDAP or Active Directory over TLS (ldaps:// or
 * StartTLS). Per sign-in: bind as the service account, find exactly one entry with the user
 * filter, bind as that entry with the password, bind back as the service account and collect the
 * groups. Each call uses its own connection and always unbinds it.
 */
export class LdapDirectory {
  private readonly config: ResolvedDirectoryConfig;

  constructor(config: DirectoryConfig) {
    const problems = directoryConfigProblems(config);
    if (problems.length) throw new DirectoryError('misconfigured', `directory configuration: ${problems.join('; ')}`);
    this.config = resolveDirectoryConfig(config);
  }

  async authenticate(username: string, password: string): Promise<DirectoryUser> {
    // An empty password turns a simple bind into an anonymous one, which succeeds (RFC 4513 §5.1.2).
    if (typeof password !== 'string' || password.length === 0) throw DirectoryError.invalidCredentials();
    if (typeof username !== 'string' || username.trim().length === 0 || username.length > MAX_USERNAME_LENGTH) throw DirectoryError.invalidCredentials();

    const client = await this.connect();
    try {
      await this.serviceBind(client);
      const entry = await this.findUser(client, username.trim());
      if (!entry) {
        // An unknown user costs the same round trip as a wrong password: a bind that fails, so
        // response times do not tell who exists.
        await this.decoyBind(client, password);
        throw DirectoryError.invalidCredentials();
      }
      await this.userBind(client, entry, password);
      this.refuseIfDisabled(entry);
      await this.serviceBind(client);
      const groups = await this.groupsOf(client, entry);
      return this.toUser(entry, groups);
    } finally {
      await closeQuietly(client);
    }
  }

  /** Readiness: the directory answers over TLS, accepts the service account and has the base DNs. */
  async check(): Promise<void> {
    const client = await this.connect();
    try {
      await this.serviceBind(client);
      await this.baseExists(client, this.config.userBaseDn, 'userBaseDn');
      if (this.config.groups.strategy === 'ad-transitive') await this.baseExists(client, this.config.groups.baseDn, 'groups.baseDn');
    } finally {
      await closeQuietly(client);
    }
  }

  private async connect(): Promise<Client> {
    const { secure, startTls, url, connectTimeoutMs, operationTimeoutMs } = this.config;
    const tlsOptions = this.tlsOptions();
    // ldapts switches to TLS-from-the-start as soon as tlsOptions is given, so for StartTLS the
    // options go to startTLS() only.
    const client = new Client({ url, connectTimeout: connectTimeoutMs, timeout: operationTimeoutMs, ...(secure ? { tlsOptions } : {}) });
    try {
      if (startTls) {
        await withDeadline(client.startTLS(tlsOptions), connectTimeoutMs, `StartTLS with ${url} did not complete within ${connectTimeoutMs} ms`);
      }
    } catch (error) {
      await closeQuietly(client);
      throw this.failure('connect', error);
    }
    return client;
  }

  private tlsOptions(): ConnectionOptions {
    const { host, tlsServerName, caCertificates } = this.config;
    const options: ConnectionOptions = {
      host,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(caCertificates ? { ca: caCertificates } : {}),
    };
    if (tlsServerName) {
      options.servername = tlsServerName;
      options.checkServerIdentity = (_host: string, cert: PeerCertificate) => checkServerIdentity(tlsServerName, cert);
    } else if (isIP(host) === 0) {
      // SNI takes DNS names only (RFC 6066); for an IP the certificate's IP SAN is checked.
      options.servername = host;
    }
    return options;
  }

  private async serviceBind(client: Client): Promise<void> {
    try {
      await client.bind(this.config.bindDn, this.config.bindPassword);
    } catch (error) {
      throw this.failure('service bind', error);
    }
  }

  private async findUser(client: Client, username: string): Promise<Entry | undefined> {
    const { attributes, groups, disabledMarker, userBaseDn, userFilter } = this.config;
    const requested = [attributes.username, attributes.displayName, attributes.email, attributes.subject];
    if (groups.strategy === 'member-of') requested.push(MEMBER_OF);
    if (disabledMarker === 'ad-user-account-control') requested.push('userAccountControl');
    if (disabledMarker === 'ppolicy-permanent-lock') requested.push(PPOLICY_LOCK_ATTRIBUTE);
    let entries: Entry[];
    try {
      ({ searchEntries: entries } = await client.search(userBaseDn, {
        scope: 'sub',
        filter: renderUserFilter(userFilter, username),
        attributes: requested,
        explicitBufferAttributes: attributes.subjectFormat === 'ad-guid' ? [attributes.subject] : [],
        // Two are enough to know the login is ambiguous.
        sizeLimit: 2,
        timeLimit: Math.ceil(this.config.operationTimeoutMs / 1000),
        derefAliases: 'never',
      }));
    } catch (error) {
      throw this.failure('user search', error);
    }
    if (entries.length > 1) {
      throw new DirectoryError('ambiguous', `the login matches more than one directory entry under ${userBaseDn} (${entries.map((e) => e.dn).join('; ')}); make userFilter select one`);
    }
    return entries[0];
  }

  private async decoyBind(client: Client, password: string): Promise<void> {
    const nobody = `cn=stackyard-nobody-${randomBytes(8).toString('hex')},${this.config.userBaseDn}`;
    try {
      await client.bind(nobody, password);
    } catch (error) {
      // The directory's refusal is the expected outcome; a broken connection is still news.
      if (!(error instanceof ResultCodeError)) throw this.failure('user bind', error);
    }
  }

  private async userBind(client: Client, entry: Entry, password: string): Promise<void> {
    try {
      await client.bind(entry.dn, password);
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === RESULT.invalidCredentials) {
        throw this.refusedBind(entry, error);
      }
      throw this.failure('user bind', error);
    }
  }

  /** A bind the directory refused as invalid credentials: wrong password, or an account switched off. */
  private refusedBind(entry: Entry, error: ResultCodeError): DirectoryError {
    switch (this.config.disabledMarker) {
      case 'ad-user-account-control':
        if (AD_ACCOUNT_DISABLED.test(error.message)) {
          return new DirectoryError('disabled', `the account ${entry.dn} is disabled in Active Directory`, { passwordVerified: true });
        }
        break;
      case 'ppolicy-permanent-lock':
        // ppolicy refuses a locked account before looking at the password.
        if (textValues(entry, PPOLICY_LOCK_ATTRIBUTE).includes(PPOLICY_PERMANENT_LOCK)) {
          return new DirectoryError('disabled', `the account ${entry.dn} is locked by an administrator (ppolicy ${PPOLICY_LOCK_ATTRIBUTE})`, { passwordVerified: false });
        }
        break;
      case 'none':
        break;
    }
    return DirectoryError.invalidCredentials();
  }

  /** After a successful bind: a directory that does not enforce the marker itself is still obeyed. */
  private refuseIfDisabled(entry: Entry): void {
    const { disabledMarker } = this.config;
    const disabled =
      (disabledMarker === 'ad-user-account-control' && (Number(firstText(entry, 'userAccountControl') ?? '0') & AD_ACCOUNTDISABLE_FLAG) !== 0) ||
      (disabledMarker === 'ppolicy-permanent-lock' && textValues(entry, PPOLICY_LOCK_ATTRIBUTE).includes(PPOLICY_PERMANENT_LOCK));
    if (disabled) throw new DirectoryError('disabled', `the account ${entry.dn} is disabled in the directory`, { passwordVerified: true });
  }

  private async groupsOf(client: Client, entry: Entry): Promise<DirectoryGroup[]> {
    try {
      switch (this.config.groups.strategy) {
        case 'member-of':
          return await this.walkMemberOf(client, textValues(entry, MEMBER_OF));
        case 'ad-transitive':
          return await this.transitiveGroups(client, entry.dn);
        case 'none':
          return [];
      }
    } catch (error) {
      if (error instanceof DirectoryError) throw error;
      throw this.failure('group lookup', error);
    }
  }

  /** Breadth-first up the memberOf links: the user's groups, their groups, … up to maxDepth levels. */
  private async walkMemberOf(client: Client, direct: string[]): Promise<DirectoryGroup[]> {
    const { nameAttribute, maxDepth } = this.config.groups;
    const found = new Map<string, DirectoryGroup>();
    let frontier = uniqueDns(direct);
    for (let depth = 0; depth < maxDepth && frontier.length > 0 && found.size < MAX_GROUPS; depth++) {
      const level = frontier.filter((dn) => !found.has(dnKey(dn))).slice(0, MAX_GROUPS - found.size);
      const entries = await Promise.all(level.map((dn) => this.readGroup(client, dn)));
      const next: string[] = [];
      level.forEach((dn, i) => {
        const group = entries[i];
        found.set(dnKey(dn), { dn, name: (group && firstText(group, nameAttribute)) || firstRdnValue(dn) });
        if (group) next.push(...textValues(group, MEMBER_OF));
      });
      frontier = uniqueDns(next).filter((dn) => !found.has(dnKey(dn)));
    }
    return sortGroups([...found.values()]);
  }

  private async readGroup(client: Client, dn: string): Promise<Entry | undefined> {
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [this.config.groups.nameAttribute, MEMBER_OF] });
      return searchEntries[0];
    } catch (error) {
      // A dangling memberOf value or a group the service account may not read: keep the
      // membership (the user's own entry names it), just without its parents.
      if (error instanceof ResultCodeError && (error.code === RESULT.noSuchObject || error.code === RESULT.insufficientAccessRights)) return undefined;
      throw error;
    }
  }

  /** AD expands nesting itself: groups whose member attribute reaches the user through any chain. */
  private async transitiveGroups(client: Client, userDn: string): Promise<DirectoryGroup[]> {
    const { baseDn, nameAttribute } = this.config.groups;
    const { searchEntries } = await client.search(baseDn, {
      scope: 'sub',
      filter: `(&(objectClass=group)(member:${LDAP_MATCHING_RULE_IN_CHAIN}:=${escapeFilterValue(userDn)}))`,
      attributes: [nameAttribute],
      // AD returns at most MaxPageSize (1000) entries per page.
      paged: { pageSize: 500 },
      sizeLimit: MAX_GROUPS,
      timeLimit: Math.ceil(this.config.operationTimeoutMs / 1000),
    });
    return sortGroups(searchEntries.map((group) => ({ dn: group.dn, name: firstText(group, nameAttribute) || firstRdnValue(group.dn) })));
  }

  private async baseExists(client: Client, dn: string, setting: string): Promise<void> {
    try {
      await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === RESULT.noSuchObject) {
        throw new DirectoryError('misconfigured', `${setting} ${dn} does not exist in the directory at ${this.config.url}`, { cause: error });
      }
      throw this.failure('base check', error);
    }
  }

  private toUser(entry: Entry, groups: DirectoryGroup[]): DirectoryUser {
    const { attributes } = this.config;
    const username = firstText(entry, attributes.username);
    if (!username) throw new DirectoryError('misconfigured', `the entry ${entry.dn} has no ${attributes.username} attribute (attributes.username)`);
    return {
      subject: this.subjectOf(entry),
      username,
      displayName: firstText(entry, attributes.displayName) || username,
      email: firstText(entry, attributes.email) ?? '',
      dn: entry.dn,
      groups,
    };
  }

  private subjectOf(entry: Entry): string {
    const { subject, subjectFormat } = this.config.attributes;
    const value = valuesOf(entry, subject)[0];
    if (value === undefined || value.length === 0) {
      throw new DirectoryError('misconfigured', `the entry ${entry.dn} has no ${subject} attribute, so the person has no stable id (attributes.subject)`);
    }
    if (subjectFormat === 'text') return typeof value === 'string' ? value : value.toString('utf8');
    if (typeof value === 'string' || value.length !== 16) {
      // ldapts returns binary only for attributes spelled exactly as the server names them.
      throw new DirectoryError('misconfigured', `${subject} of ${entry.dn} is not a 16-byte GUID; spell the attribute as the directory does (objectGUID)`);
    }
    return formatObjectGuid(value);
  }

  /** Maps a failure outside the user's own bind to unavailable or misconfigured, never with a password in it. */
  private failure(stage: Stage, error: unknown): DirectoryError {
    if (error instanceof DirectoryError) return error;
    const where = `${stage} at ${this.config.url}`;
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof ResultCodeError) {
      switch (error.code) {
        case RESULT.busy:
        case RESULT.unavailable:
        case RESULT.timeLimitExceeded:
        case RESULT.adminLimitExceeded:
          return new DirectoryError('unavailable', `${where}: the directory is busy or unavailable (${detail})`, { cause: error });
        case RESULT.invalidCredentials:
          return new DirectoryError('misconfigured', `${where}: the directory refused the service account ${this.config.bindDn} (check bindDn and bindPassword)`, { cause: error });
        case RESULT.noSuchObject:
          return new DirectoryError('misconfigured', `${where}: a base DN does not exist (${detail})`, { cause: error });
        case RESULT.strongerAuthRequired:
        case RESULT.confidentialityRequired:
        case RESULT.inappropriateAuthentication:
          return new DirectoryError('misconfigured', `${where}: the directory wants another kind of bind (${detail})`, { cause: error });
        default:
          return new DirectoryError('misconfigured', `${where}: the directory answered result code ${error.code} (${detail})`, { cause: error });
      }
    }
    // Everything else is the transport: refused or reset connections, TLS (including an
    // untrusted or misnamed certificate), timeouts.
    const code = (error as { code?: unknown } | null)?.code;
    return new DirectoryError('unavailable', `${where}: ${typeof code === 'string' ? `${code}: ` : ''}${detail}`, { cause: error });
  }
}

async function closeQuietly(client: Client): Promise<void> {
  try {
    await client.unbind();
  } catch {
    // The connection may already be gone; unbind() destroys the socket in any case.
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** An entry's values for an attribute, matched case-insensitively (servers choose the spelling). */
function valuesOf(entry: Entry, attribute: string): Array<string | Buffer> {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k !== 'dn' && k.toLowerCase() === wanted);
  if (key === undefined) return [];
  const value = entry[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function textValues(entry: Entry, attribute: string): string[] {
  return valuesOf(entry, attribute).map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
}

function firstText(entry: Entry, attribute: string): string | undefined {
  return textValues(entry, attribute)[0];
}

/** DNs compare case-insensitively and without spaces around separators in practice. */
function dnKey(dn: string): string {
  return dn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
}

function uniqueDns(dns: string[]): string[] {
  const seen = new Set<string>();
  return dns.filter((dn) => {
    const key = dnKey(dn);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortGroups(groups: DirectoryGroup[]): DirectoryGroup[] {
  return groups.sort((a, b) => a.name.localeCompare(b.name) || a.dn.localeCompare(b.dn));
}
