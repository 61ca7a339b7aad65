import { z } from 'zod';
import { isValidOrganizationName, ORG_NAME_RULE } from '@stackyard/identity-domain';
import type { OAuthMethod } from '@stackyard/identity-feature-sign-in';
import { BITBUCKET_PROJECT_PERMISSIONS, createOAuthProvider, OAUTH_PROVIDER_KINDS, type OAuthProviderConfig, oauthProviderConfigProblems } from '@stackyard/identity-oauth';
import { parseJsonList, readSecretFile } from './json-setting';

const METHOD_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GROUP = z.string().min(1).max(1024);

/**
 * One entry of `STACKYARD_OAUTH_PROVIDERS` (JSON, usually from `STACKYARD_OAUTH_PROVIDERS_FILE`):
 * a sign-in button, the organization its users join, group → team mappings, who may sign in at
 * all, and the OAuth application at the code host — its secret and CA preferably from files.
 */
const entrySchema = z
  .object({
    id: z.string().regex(METHOD_ID, { error: 'must be 1–63 lowercase letters, digits or "-", starting with a letter or digit' }),
    displayName: z.string().min(1).max(100),
    organization: z.string().refine(isValidOrganizationName, { error: `must be ${ORG_NAME_RULE}` }),
    teamMappings: z
      .array(z.object({ group: GROUP, team: z.string().regex(TEAM_NAME, { error: 'must be 1–64 letters, digits, ".", "_" or "-"' }) }).strict())
      .default([]),
    allowedGroups: z.array(GROUP).default([]),
    kind: z.enum(OAUTH_PROVIDER_KINDS),
    baseUrl: z.string(),
    apiUrl: z.string().optional(),
    clientId: z.string(),
    clientSecret: z.string().optional(),
    clientSecretFile: z.string().optional(),
    caFile: z.string().optional(),
    caCertificates: z.string().optional(),
    tlsServerName: z.string().min(1).max(253).optional(),
    scopes: z.array(z.string()).optional(),
    pkce: z.boolean().optional(),
    timeoutMs: z.number().int().optional(),
    projectPermission: z.enum(BITBUCKET_PROJECT_PERMISSIONS).optional(),
  })
  .strict();

export interface OAuthProviderEntry {
  id: string;
  displayName: string;
  organization: string;
  teamMappings: Array<{ group: string; team: string }>;
  allowedGroups: string[];
  provider: OAuthProviderConfig;
}

/** Every problem of the JSON at once (messages name fields, never the client secret). */
export function parseOAuthProviders(json: string | undefined): { entries: OAuthProviderEntry[]; problems: string[] } {
  const parsed = parseJsonList(json, 'STACKYARD_OAUTH_PROVIDERS', z.array(entrySchema));
  if (parsed.problems.length > 0) return { entries: [], problems: parsed.problems };
  const problems: string[] = [];
  const entries: OAuthProviderEntry[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of parsed.items.entries()) {
    const where = `STACKYARD_OAUTH_PROVIDERS[${index}] (${entry.id})`;
    if (seen.has(entry.id)) problems.push(`${where}: id is used twice`);
    seen.add(entry.id);
    const { id, displayName, organization, teamMappings, allowedGroups, clientSecretFile, caFile, ...connection } = entry;
    const provider = { ...connection } as OAuthProviderConfig;
    if (clientSecretFile !== undefined) {
      if (connection.clientSecret !== undefined) problems.push(`${where}: clientSecret and clientSecretFile are both set; set one`);
      const read = readSecretFile(clientSecretFile, `${where}: clientSecretFile`, problems);
      if (read !== undefined) provider.clientSecret = read;
    }
    if (caFile !== undefined) {
      if (connection.caCertificates !== undefined) problems.push(`${where}: caCertificates and caFile are both set; set one`);
      const read = readSecretFile(caFile, `${where}: caFile`, problems);
      if (read !== undefined) provider.caCertificates = read;
    }
    for (const problem of oauthProviderConfigProblems(provider)) problems.push(`${where}: ${problem}`);
    entries.push({ id, displayName, organization, teamMappings, allowedGroups, provider });
  }
  return { entries, problems };
}

export function oauthMethods(entries: OAuthProviderEntry[]): OAuthMethod[] {
  return entries.map((entry) => ({
    id: entry.id,
    displayName: entry.displayName,
    organization: entry.organization,
    teamMappings: entry.teamMappings,
    allowedGroups: entry.allowedGroups,
    provider: createOAuthProvider(entry.provider),
  }));
}

/**
 * What OAuth providers need of the rest of the configuration: the console's URL (their callback
 * lives there) and ids of their own — a method id is the provider of every identity and team
 * membership it creates, so a directory and an OAuth provider must not share one.
 */
export function oauthCrossProblems(config: { CONSOLE_URL?: string | undefined }, directories: ReadonlyArray<{ id: string }>, providers: ReadonlyArray<{ id: string }>): string[] {
  const problems: string[] = [];
  if (providers.length > 0 && config.CONSOLE_URL === undefined) problems.push('STACKYARD_OAUTH_PROVIDERS needs STACKYARD_CONSOLE_URL: the providers send browsers back to <console URL>/login/oauth/<id>/callback');
  const directoryIds = new Set(directories.map((d) => d.id));
  for (const provider of providers) if (directoryIds.has(provider.id)) problems.push(`STACKYARD_OAUTH_PROVIDERS: id '${provider.id}' is also a directory's id (STACKYARD_DIRECTORIES); ids must be unique`);
  return problems;
}
