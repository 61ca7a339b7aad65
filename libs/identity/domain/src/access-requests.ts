import type { GrantedStackPermission, OrganizationAccessSettings, OrgRole } from '@stackyard/shared-contracts';

/**
 * Validation of the request bodies of Pulumi's organization, member and team routes
 * (pulumi-cloud-selfhosted.md §3.3–3.4), as the `@pulumi/pulumiservice` provider sends them.
 * Each parser throws `AccessRequestError` naming every problem (a 400 for the caller).
 */
export class AccessRequestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'AccessRequestError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;

function object(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new AccessRequestError(['the body must be a JSON object']);
  return body;
}

/** Team names: as Pulumi's (letters, digits, `.`, `_`, `-`; 1–64, not starting with punctuation). */
export const TEAM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_DISPLAY_NAME = 255;
export const MAX_DESCRIPTION = 1024;
export const MAX_ROLE_NAME = 100;

export function isTeamName(value: unknown): value is string {
  return typeof value === 'string' && TEAM_NAME_PATTERN.test(value);
}

/** `PATCH /api/orgs/{org}`: the organization's member settings after the change. */
export function applySettingsUpdate(current: OrganizationAccessSettings, body: unknown): { settings: OrganizationAccessSettings; changed: string[] } {
  const request = object(body);
  const problems: string[] = [];
  const settings = { ...current };
  const changed: string[] = [];
  const permission = request['setDefaultStackPermission'];
  if (permission !== undefined && permission !== null) {
    if (permission !== 0 && permission !== 101 && permission !== 102 && permission !== 103) problems.push('setDefaultStackPermission must be 0 (None), 101 (Read), 102 (Write) or 103 (Admin)');
    else if (settings.defaultStackPermission !== permission) {
      settings.defaultStackPermission = permission;
      changed.push('defaultStackPermission');
    }
  }
  const flags = [
    ['setMembersCanCreateStacks', 'membersCanCreateStacks'],
    ['setMembersCanDeleteStacks', 'membersCanDeleteStacks'],
    ['setMembersCanTransferStacks', 'membersCanTransferStacks'],
    ['setMembersCanCreateTeams', 'membersCanCreateTeams'],
  ] as const;
  for (const [field, setting] of flags) {
    const value = request[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'boolean') problems.push(`${field} must be true or false`);
    else if (settings[setting] !== value) {
      settings[setting] = value;
      changed.push(setting);
    }
  }
  const known = new Set<string>(['setDefaultStackPermission', ...flags.map(([f]) => f)]);
  const unsupported = Object.keys(request).filter((k) => !known.has(k) && request[k] !== undefined && request[k] !== null);
  if (unsupported.length > 0) problems.push(`not supported by Stackyard: ${unsupported.map((k) => k.slice(0, 60)).join(', ')}`);
  if (problems.length > 0) throw new AccessRequestError(problems);
  return { settings, changed };
}

/** A built-in role as members are given it; `billing-manager` has no meaning without billing. */
export function parseBuiltInRole(value: unknown, field = 'role'): OrgRole {
  if (value === 'admin' || value === 'member') return value;
  if (value === 'billing-manager') throw new AccessRequestError([`${field}: billing-manager is not supported (Stackyard has no billing); use admin or member`]);
  throw new AccessRequestError([`${field} must be admin or member`]);
}

/** `POST /api/orgs/{org}/members/{login}`: `{role}` (member when left out). */
export function parseAddMember(body: unknown): OrgRole {
  const request = body === undefined || body === null ? {} : object(body);
  return request['role'] === undefined || request['role'] === '' ? 'member' : parseBuiltInRole(request['role']);
}

/** `PATCH /api/orgs/{org}/members/{login}`: `{role}` or `{fgaRoleId}` (the custom role wins, as in Pulumi). */
export function parseUpdateMember(body: unknown): { role: OrgRole } | { roleId: string } {
  const request = object(body);
  const roleId = request['fgaRoleId'];
  if (roleId !== undefined && roleId !== null && roleId !== '') {
    if (typeof roleId !== 'string' || roleId.length > 64) throw new AccessRequestError(['fgaRoleId must be a role id']);
    return { roleId };
  }
  if (request['role'] === undefined || request['role'] === '') throw new AccessRequestError(['one of role or fgaRoleId is required']);
  return { role: parseBuiltInRole(request['role']) };
}

function optionalText(request: Record<string, unknown>, field: string, max: number, problems: string[]): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max || NOT_PRINTABLE.test(value.replace(/[\n\t]/g, ' '))) {
    problems.push(`${field} must be text of at most ${max} characters`);
    return undefined;
  }
  return value;
}

/** `POST /api/orgs/{org}/teams/pulumi`: `{name, displayName, description, organization?, teamType?}`. */
export function parseCreateTeam(body: unknown, organization: string): { name: string; displayName: string; description: string } {
  const request = object(body);
  const problems: string[] = [];
  if (!isTeamName(request['name'])) problems.push('name must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const displayName = optionalText(request, 'displayName', MAX_DISPLAY_NAME, problems) ?? '';
  const description = optionalText(request, 'description', MAX_DESCRIPTION, problems) ?? '';
  const org = request['organization'];
  if (org !== undefined && org !== null && org !== '' && org !== organization) problems.push(`organization '${JSON.stringify(org).slice(0, 40)}' does not match the organization in the path`);
  const teamType = request['teamType'];
  if (teamType !== undefined && teamType !== null && teamType !== '' && teamType !== 'pulumi') problems.push('teamType must be pulumi (GitHub teams do not exist in Stackyard)');
  if (problems.length > 0) throw new AccessRequestError(problems);
  return { name: request['name'] as string, displayName, description };
}

export interface StackRef {
  projectName: string;
  stackName: string;
}

/** `PATCH /api/orgs/{org}/teams/{team}`: exactly one operation per call, as Pulumi's API has it. */
export type TeamUpdate =
  | { kind: 'details'; displayName?: string; description?: string }
  | { kind: 'member'; action: 'add' | 'remove' | 'promote' | 'demote'; member: string }
  | { kind: 'add-stack' | 'edit-stack'; stack: StackRef; permission: GrantedStackPermission }
  | { kind: 'remove-stack'; stack: StackRef };

const NAME = /^[A-Za-z0-9._-]{1,100}$/;

function stackRef(value: unknown, field: string, problems: string[]): StackRef | null {
  if (!isObject(value) || typeof value['projectName'] !== 'string' || typeof value['stackName'] !== 'string' || !NAME.test(value['projectName']) || !NAME.test(value['stackName'])) {
    problems.push(`${field} needs projectName and stackName (letters, digits, ".", "_", "-")`);
    return null;
  }
  return { projectName: value['projectName'], stackName: value['stackName'] };
}

export function parseTeamUpdate(body: unknown): TeamUpdate {
  const request = object(body);
  const present = (field: string) => request[field] !== undefined && request[field] !== null;
  const operations = [
    present('newDisplayName') || present('newDescription') ? 'details' : null,
    present('memberAction') || present('member') ? 'member' : null,
    present('addStackPermission') ? 'addStackPermission' : null,
    present('editStackPermission') ? 'editStackPermission' : null,
    present('removeStack') ? 'removeStack' : null,
  ].filter((o): o is string => o !== null);
  const unsupported = ['addEnvironmentPermission', 'editEnvironmentPermission', 'removeEnvironment', 'addAccountPermission', 'editAccountPermission', 'removeAccount'].filter(present);
  if (unsupported.length > 0) throw new AccessRequestError([`${unsupported.join(', ')}: Stackyard has no environments or insights accounts`]);
  if (operations.length !== 1) throw new AccessRequestError([operations.length === 0 ? 'the body names no operation (newDisplayName/newDescription, memberAction, addStackPermission, editStackPermission or removeStack)' : `one operation per call, got ${operations.join(', ')}`]);
  const problems: string[] = [];
  let update: TeamUpdate | null = null;
  switch (operations[0]) {
    case 'details': {
      const displayName = optionalText(request, 'newDisplayName', MAX_DISPLAY_NAME, problems);
      const description = optionalText(request, 'newDescription', MAX_DESCRIPTION, problems);
      update = { kind: 'details', ...(displayName !== undefined ? { displayName } : {}), ...(description !== undefined ? { description } : {}) };
      break;
    }
    case 'member': {
      const action = request['memberAction'];
      const member = request['member'];
      if (action !== 'add' && action !== 'remove' && action !== 'promote' && action !== 'demote') problems.push('memberAction must be add, remove, promote or demote');
      if (typeof member !== 'string' || member.length === 0 || member.length > 64) problems.push("member must be the member's login");
      if (problems.length === 0) update = { kind: 'member', action: action as 'add', member: member as string };
      break;
    }
    case 'addStackPermission':
    case 'editStackPermission': {
      const field = operations[0];
      const value = request[field];
      const stack = stackRef(value, field, problems);
      const permission = isObject(value) ? value['permission'] : undefined;
      if (permission !== 101 && permission !== 102 && permission !== 103) problems.push(`${field}.permission must be 101 (Read), 102 (Write) or 103 (Admin)`);
      if (stack && problems.length === 0) update = { kind: field === 'addStackPermission' ? 'add-stack' : 'edit-stack', stack, permission: permission as GrantedStackPermission };
      break;
    }
    case 'removeStack': {
      const stack = stackRef(request['removeStack'], 'removeStack', problems);
      if (stack) update = { kind: 'remove-stack', stack };
      break;
    }
  }
  if (problems.length > 0 || !update) throw new AccessRequestError(problems.length > 0 ? problems : ['the request could not be read']);
  return update;
}

/** `POST /api/orgs/{org}/roles` / `PATCH …/roles/{id}`: name and description (the definition is parsed separately). */
export function parseRoleHeader(body: unknown, requireName: boolean): { name?: string; description?: string } {
  const request = object(body);
  const problems: string[] = [];
  const name = request['name'];
  let parsedName: string | undefined;
  if (name !== undefined && name !== null) {
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_ROLE_NAME || NOT_PRINTABLE.test(name)) problems.push(`name must be 1–${MAX_ROLE_NAME} printable characters`);
    else parsedName = name;
  } else if (requireName) problems.push('name is required');
  const description = optionalText(request, 'description', MAX_DESCRIPTION, problems);
  const uxPurpose = request['uxPurpose'];
  if (uxPurpose !== undefined && uxPurpose !== null && uxPurpose !== '' && uxPurpose !== 'role') problems.push(`uxPurpose ${JSON.stringify(uxPurpose).slice(0, 40)} is not supported (only role)`);
  if (problems.length > 0) throw new AccessRequestError(problems);
  return { ...(parsedName !== undefined ? { name: parsedName } : {}), ...(description !== undefined ? { description } : {}) };
}
