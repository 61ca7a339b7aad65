import {
  type AccessReason,
  DEFAULT_ORGANIZATION_ACCESS_SETTINGS,
  type GrantedStackPermission,
  type OrganizationAccess,
  type Principal,
  STACK_PERMISSION,
  STACK_SCOPES,
  type StackPermission,
  type StackScope,
  type StackTarget,
} from '@stackyard/shared-contracts';

/** What the api knows of a stack that access depends on (identity knows the rest). */
export interface StackFacts {
  organization: string;
  project: string;
  stack: string;
  tags: Record<string, string>;
  /** The login of the user who created the stack (creators are its admins). */
  createdBy: string;
}

/** The stack scopes each level holds; a level is exactly this set (Read ⊂ Write ⊂ Admin). */
export const LEVEL_SCOPES: Readonly<Record<GrantedStackPermission, readonly StackScope[]>> = {
  101: ['stack:read'],
  102: ['stack:read', 'stack:update'],
  103: STACK_SCOPES,
};

const LEVEL_NAMES: Record<StackPermission, string> = { 0: 'None', 101: 'Read', 102: 'Write', 103: 'Admin' };

export function levelName(permission: StackPermission): string {
  return LEVEL_NAMES[permission];
}

/** The least level that holds a scope (what a 403 tells the caller they would need). */
export function levelFor(scope: StackScope): GrantedStackPermission {
  for (const level of [101, 102, 103] as const) if (LEVEL_SCOPES[level].includes(scope)) return level;
  return 103;
}

/** A principal's access profile in an organization, or null when they do not belong to it. */
export function organizationAccessOf(principal: Principal, organization: string): OrganizationAccess | null {
  const explicit = principal.access?.find((a) => a.organization === organization);
  if (explicit) return explicit;
  const membership = principal.organizations.find((o) => o.name === organization);
  if (!membership) return null;
  return { organization, role: membership.role, settings: DEFAULT_ORGANIZATION_ACCESS_SETTINGS, roles: [], grants: [], teamsAdministered: [] };
}

/** Whether a person (not an organization or team token) owns this namespace: their own login. */
export function isPersonalNamespace(principal: Principal, organization: string): boolean {
  return principal.userId !== '' && principal.login === organization && !principal.organizations.some((o) => o.name === organization);
}

export function targetCovers(target: StackTarget, stack: StackFacts): boolean {
  switch (target.kind) {
    case 'all':
      return true;
    case 'stack':
      return target.project === stack.project && target.stack === stack.stack;
    case 'tag':
      return Object.prototype.hasOwnProperty.call(stack.tags, target.key) && stack.tags[target.key] === target.value;
  }
}

export interface StackAccess {
  /** The highest level whose scopes are all held (0 when none). */
  permission: StackPermission;
  scopes: ReadonlySet<StackScope>;
  reasons: AccessReason[];
  /** The principal's profile in the stack's organization (null: personal namespace or no membership). */
  organization: OrganizationAccess | null;
}

/**
 * THE rule for stacks. Effective access is the union of every source, and there are no deny rules:
 *  1. an organization admin has Admin on every stack of the organization;
 *  2. a member on the built-in member role, with no custom role of their own, has the
 *     organization's default stack permission on every stack (team tokens excepted: they hold
 *     what their team holds);
 *  3. the person who created a stack is its admin;
 *  4. direct grants: their teams' stack permissions and per-user stack overrides, each on one
 *     stack, on every stack carrying a tag, or on all stacks;
 *  5. custom roles held by the user, their teams or the token: stack scopes on every stack, and
 *     levels on the stacks each rule covers (by name or by tag);
 *  6. a person's own login is a namespace they administer.
 * The most permissive source wins; the reasons list every source that contributed.
 */
export function stackAccess(principal: Principal, stack: StackFacts): StackAccess {
  const scopes = new Set<StackScope>();
  const reasons: AccessReason[] = [];
  const grant = (level: GrantedStackPermission | 0) => {
    if (level !== 0) for (const scope of LEVEL_SCOPES[level]) scopes.add(scope);
  };
  const org = organizationAccessOf(principal, stack.organization);
  if (!org) {
    if (isPersonalNamespace(principal, stack.organization)) {
      grant(103);
      reasons.push({ kind: 'personal-namespace', login: principal.login });
    }
    return { permission: permissionOf(scopes), scopes, reasons, organization: null };
  }
  if (org.role === 'admin') {
    grant(103);
    reasons.push({ kind: 'organization-admin', organization: org.organization });
  }
  const ownCustomRole = org.roles.some((r) => r.via.kind === 'user' || r.via.kind === 'token');
  // The members' default is for people and organization tokens on the member role; a team token
  // holds exactly what its team holds (as in Pulumi), and a custom role replaces the default.
  if (org.role === 'member' && principal.token.kind !== 'team' && !ownCustomRole && org.settings.defaultStackPermission !== 0) {
    grant(org.settings.defaultStackPermission);
    reasons.push({ kind: 'organization-default', permission: org.settings.defaultStackPermission });
  }
  if (principal.userId !== '' && stack.createdBy === principal.login) {
    grant(103);
    reasons.push({ kind: 'stack-creator', login: principal.login });
  }
  for (const g of org.grants) {
    if (!targetCovers(g.target, stack)) continue;
    grant(g.permission);
    reasons.push({ kind: 'grant', via: g.via, target: g.target, permission: g.permission });
  }
  for (const { via, role } of org.roles) {
    const everywhere = role.scopes.filter((s): s is StackScope => (STACK_SCOPES as readonly string[]).includes(s));
    if (everywhere.length > 0) {
      for (const scope of everywhere) scopes.add(scope);
      reasons.push({ kind: 'role', role: { id: role.id, name: role.name }, via, target: { kind: 'all' }, scopes: everywhere });
    }
    for (const rule of role.stackRules) {
      if (!targetCovers(rule.target, stack)) continue;
      grant(rule.permission);
      reasons.push({ kind: 'role', role: { id: role.id, name: role.name }, via, target: rule.target, scopes: [...LEVEL_SCOPES[rule.permission]] });
    }
  }
  return { permission: permissionOf(scopes), scopes, reasons, organization: org };
}

function permissionOf(scopes: ReadonlySet<StackScope>): StackPermission {
  for (const level of [103, 102, 101] as const) if (LEVEL_SCOPES[level].every((s) => scopes.has(s))) return level;
  return STACK_PERMISSION.none;
}

export type AccessDecision = { allowed: true } | { allowed: false; status: 403 | 404; message: string };

/**
 * May the principal use `scope` on this stack? No access at all answers 404, exactly like a stack
 * that does not exist (names do not leak); some access but not enough answers 403 naming what is
 * held and what is needed. Deleting and transferring are further gated by organization settings
 * for everyone but organization admins.
 */
export function decideStack(principal: Principal, stack: StackFacts, scope: StackScope, access = stackAccess(principal, stack)): AccessDecision {
  const name = `${stack.organization}/${stack.project}/${stack.stack}`;
  if (access.scopes.size === 0) return { allowed: false, status: 404, message: `Stack '${name}' not found` };
  if (!access.scopes.has(scope)) {
    const held = levelName(access.permission);
    return {
      allowed: false,
      status: 403,
      message: `you have ${held === 'None' ? 'limited' : held} access to stack '${name}'; ${describeScope(scope)} requires ${levelName(levelFor(scope))}`,
    };
  }
  const org = access.organization;
  if (org && org.role !== 'admin') {
    if (scope === 'stack:delete' && !org.settings.membersCanDeleteStacks && !holdsExplicitly(org, 'stack:delete')) {
      return { allowed: false, status: 403, message: `organization '${org.organization}' lets only its admins delete stacks` };
    }
    if (scope === 'stack:transfer' && !org.settings.membersCanTransferStacks && !holdsExplicitly(org, 'stack:transfer')) {
      return { allowed: false, status: 403, message: `organization '${org.organization}' lets only its admins transfer stacks` };
    }
  }
  return { allowed: true };
}

/** A custom role that names the scope itself overrides the members' setting (it was granted on purpose). */
function holdsExplicitly(org: OrganizationAccess, scope: StackScope): boolean {
  return org.roles.some(({ role }) => role.scopes.includes(scope));
}

const SCOPE_DESCRIPTIONS: Record<StackScope, string> = {
  'stack:read': 'reading the stack',
  'stack:update': 'changing the stack (updates, imports, tags, encryption, cancellation)',
  'stack:delete': 'deleting the stack',
  'stack:rename': 'renaming the stack',
  'stack:transfer': 'transferring the stack',
  'stack:access': "changing the stack's access",
};

export function describeScope(scope: StackScope): string {
  return SCOPE_DESCRIPTIONS[scope];
}
