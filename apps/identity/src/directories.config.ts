import { z } from 'zod';
import { isValidOrganizationName, ORG_NAME_RULE } from '@stackyard/identity-domain';
import { DirectoryError, type DirectoryConfig, directoryConfigProblems, LdapDirectory } from '@stackyard/identity-directory';
import { type DirectoryAuthenticator, type DirectoryMethod, DirectorySignInError } from '@stackyard/identity-feature-sign-in';
import { parseJsonList, readSecretFile } from './json-setting';

const METHOD_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * One entry of `STACKYARD_DIRECTORIES` (JSON, usually from `STACKYARD_DIRECTORIES_FILE`): a sign-in
 * method, the organization its users join, group → team mappings, and the LDAP connection — the
 * directory library's own settings, plus `bindPasswordFile` and `caFile` so the secret and the CA
 * can come from mounted files.
 */
const entrySchema = z
  .object({
    id: z.string().regex(METHOD_ID, { error: 'must be 1–63 lowercase letters, digits or "-", starting with a letter or digit' }),
    displayName: z.string().min(1).max(100),
    organization: z.string().refine(isValidOrganizationName, { error: `must be ${ORG_NAME_RULE}` }),
    teamMappings: z
      .array(z.object({ group: z.string().min(1).max(1024), team: z.string().regex(TEAM_NAME, { error: 'must be 1–64 letters, digits, ".", "_" or "-"' }) }).strict())
      .default([]),
    ldap: z
      .object({
        bindPasswordFile: z.string().optional(),
        caFile: z.string().optional(),
      })
      .loose(),
  })
  .strict();

const fileSchema = z.array(entrySchema);

export interface DirectoryEntry {
  id: string;
  displayName: string;
  organization: string;
  teamMappings: Array<{ group: string; team: string }>;
  ldap: DirectoryConfig;
}

/** Every problem of the JSON at once (messages name fields, never the bind password). */
export function parseDirectories(json: string | undefined): { entries: DirectoryEntry[]; problems: string[] } {
  const parsed = parseJsonList(json, 'STACKYARD_DIRECTORIES', fileSchema);
  if (parsed.problems.length > 0) return { entries: [], problems: parsed.problems };
  const problems: string[] = [];
  const entries: DirectoryEntry[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of parsed.items.entries()) {
    const where = `STACKYARD_DIRECTORIES[${index}] (${entry.id})`;
    if (seen.has(entry.id)) problems.push(`${where}: id is used twice`);
    seen.add(entry.id);
    const { bindPasswordFile, caFile, ...rest } = entry.ldap;
    const ldap = { ...rest } as Record<string, unknown>;
    if (bindPasswordFile !== undefined) {
      if (ldap['bindPassword'] !== undefined) problems.push(`${where}: ldap.bindPassword and ldap.bindPasswordFile are both set; set one`);
      const read = readSecretFile(bindPasswordFile, `${where}: ldap.bindPasswordFile`, problems);
      if (read !== undefined) ldap['bindPassword'] = read;
    }
    if (caFile !== undefined) {
      if (ldap['caCertificates'] !== undefined) problems.push(`${where}: ldap.caCertificates and ldap.caFile are both set; set one`);
      const read = readSecretFile(caFile, `${where}: ldap.caFile`, problems);
      if (read !== undefined) ldap['caCertificates'] = read;
    }
    const config = ldap as unknown as DirectoryConfig;
    for (const problem of directoryConfigProblems(config)) problems.push(`${where}: ldap.${problem}`);
    entries.push({ id: entry.id, displayName: entry.displayName, organization: entry.organization, teamMappings: entry.teamMappings, ldap: config });
  }
  return { entries, problems };
}

/** The sign-in feature's view of one LDAP directory. */
class LdapAuthenticator implements DirectoryAuthenticator {
  constructor(private readonly directory: LdapDirectory) {}

  async authenticate(username: string, password: string) {
    try {
      const user = await this.directory.authenticate(username, password);
      return { subject: user.subject, username: user.username, displayName: user.displayName, email: user.email, groups: user.groups.map((g) => ({ id: g.dn, name: g.name })) };
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      // A "disabled" the directory reported without checking the password (OpenLDAP ppolicy)
      // must read like a wrong password, or the form would tell anyone which accounts exist.
      if (error.kind === 'disabled' && !error.passwordVerified) throw new DirectorySignInError('invalid-credentials', `${error.message} (password not verified)`);
      throw new DirectorySignInError(error.kind, error.message);
    }
  }
}

export function directoryMethods(entries: DirectoryEntry[]): DirectoryMethod[] {
  return entries.map((entry) => ({
    id: entry.id,
    displayName: entry.displayName,
    organization: entry.organization,
    teamMappings: entry.teamMappings,
    authenticator: new LdapAuthenticator(new LdapDirectory(entry.ldap)),
  }));
}
