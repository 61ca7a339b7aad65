import { LEVEL_SCOPES } from '@stackyard/shared-access';
import {
  type AccessScope,
  type GrantedStackPermission,
  ORGANIZATION_SCOPES,
  type OrgRole,
  STACK_SCOPES,
  type StackTarget,
} from '@stackyard/shared-contracts';

/**
 * Custom roles as Pulumi's REST API and the `@pulumi/pulumiservice` provider define them — a
 * permission-descriptor tree (`details`) of Pulumi scope names — or in Stackyard's simple form
 * (`scopes` and `stackRules`), turned into what the policy library enforces. Only what can be
 * enforced faithfully is accepted; anything else is refused with the reason, never ignored.
 */

export class RoleDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'RoleDefinitionError';
  }
}

export interface ParsedRoleDefinition {
  scopes: AccessScope[];
  stackRules: { target: StackTarget; permission: GrantedStackPermission }[];
}

/** The built-in roles, listed with the custom ones (Pulumi's `defaultIdentifier`), by fixed ids. */
export const BUILT_IN_ROLE_IDS: Readonly<Record<OrgRole, string>> = { admin: 'builtin-admin', member: 'builtin-member' };

export function builtInRoleOf(id: string): OrgRole | null {
  if (id === BUILT_IN_ROLE_IDS.admin) return 'admin';
  if (id === BUILT_IN_ROLE_IDS.member) return 'member';
  return null;
}

const SUPPORTED: ReadonlySet<string> = new Set<string>([...STACK_SCOPES, ...ORGANIZATION_SCOPES]);

/**
 * Pulumi scope names (provider `apitype.RbacPermission`) and the Stackyard scope enforcing the
 * same thing. Reads every member has map to `organization:read`; a stack's webhooks, schedules and
 * deployment settings are Write-level in Pulumi, so `stack:update`.
 */
const PULUMI_SCOPES: Readonly<Record<string, AccessScope>> = {
  'stack:list': 'stack:read',
  'stack:export': 'stack:read',
  'stack:decrypt': 'stack:read',
  'project:decrypt': 'stack:read',
  'stack_access:read': 'stack:read',
  'stack_webhook:read': 'stack:read',
  'stack_deployment:read': 'stack:read',
  'stack_deployment_settings:read': 'stack:read',
  'stack_schedule:read': 'stack:read',
  'stack_annotations:read': 'stack:read',
  'project_annotations:read': 'stack:read',
  'stack:write': 'stack:update',
  'stack:import': 'stack:update',
  'stack:encrypt': 'stack:update',
  'project:encrypt': 'stack:update',
  'stack:cancel_update': 'stack:update',
  'stack_tags:update': 'stack:update',
  'stack_webhook:create': 'stack:update',
  'stack_webhook:update': 'stack:update',
  'stack_webhook:delete': 'stack:update',
  'stack_schedule:create': 'stack:update',
  'stack_schedule:update': 'stack:update',
  'stack_schedule:delete': 'stack:update',
  'stack_schedule:pause': 'stack:update',
  'stack_schedule:resume': 'stack:update',
  'stack_deployment:create': 'stack:update',
  'stack_deployment_settings:write': 'stack:update',
  'stack_deployment_settings:encrypt': 'stack:update',
  'stack_annotations:update': 'stack:update',
  'project_annotations:update': 'stack:update',
  'stack_access:update': 'stack:access',
  'organization:update': 'organization:settings',
  'organization:transfer_stacks': 'stack:transfer',
  'org_member:read': 'organization:read',
  'org_member_access:read': 'organization:read',
  'org_member:add': 'member:manage',
  'org_member:update': 'member:manage',
  'org_member:delete': 'member:manage',
  'org_member:set_admin': 'member:manage',
  'team:list': 'organization:read',
  'team:read': 'organization:read',
  'team:update': 'team:manage',
  'team:delete': 'team:manage',
  'team:create_token': 'token:manage',
  'team:list_tokens': 'token:manage',
  'team:delete_token': 'token:manage',
  'role:read': 'organization:read',
  'role:create': 'role:manage',
  'role:update': 'role:manage',
  'role:delete': 'role:manage',
  'org_token:read': 'token:manage',
  'org_token:create': 'token:manage',
  'org_token:delete': 'token:manage',
  'oidc_issuers:read': 'token:manage',
  'oidc_issuers:create': 'token:manage',
  'oidc_issuers:update': 'token:manage',
  'oidc_issuers:delete': 'token:manage',
  'oidc_issuers:regenerate_thumbprints': 'token:manage',
  'auth_policies:read': 'token:manage',
  'auth_policies:update': 'token:manage',
  'saml:read': 'sso:manage',
  'saml:update': 'sso:manage',
  'scim:read': 'sso:manage',
  'scim:update': 'sso:manage',
  'scim:delete': 'sso:manage',
  'audit_logs:read': 'audit_log:read',
  'audit_logs:export': 'audit_log:read',
  'tags:read': 'organization:read',
};

/** The Stackyard scope for a scope name (Stackyard's own, or Pulumi's), or null when none enforces it. */
export function stackyardScope(name: string): AccessScope | null {
  if (SUPPORTED.has(name)) return name as AccessScope;
  return PULUMI_SCOPES[name] ?? null;
}

function mapScopes(names: unknown, where: string, problems: string[]): AccessScope[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    problems.push(`${where}.permissions must be an array of scope names`);
    return [];
  }
  const scopes = new Set<AccessScope>();
  for (const name of names as string[]) {
    const scope = stackyardScope(name);
    if (scope) scopes.add(scope);
    else problems.push(`${where}: scope '${name.slice(0, 80)}' has no equivalent in Stackyard (GET /api/orgs/{org}/roles/scopes lists what is supported)`);
  }
  return [...scopes];
}

/** The highest level whose scopes the set holds all of (a rule's level); null when not even Read. */
export function levelOfScopes(scopes: readonly AccessScope[]): GrantedStackPermission | null {
  for (const level of [103, 102, 101] as const) if (LEVEL_SCOPES[level].every((s) => scopes.includes(s))) return level;
  return null;
}

/** Resolves a Pulumi stack id (`PermissionLiteralExpressionStack.identity`) to the stack's name; the api supplies them. */
export type StackIdResolver = (identity: string) => { project: string; stack: string } | undefined;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const typeOf = (value: unknown): unknown => (isObject(value) ? value['__type'] : undefined);

/** A stack name written as `project/stack` (Stackyard's way to name a stack in a rule). */
function stackFromIdentity(identity: string, resolve: StackIdResolver): { project: string; stack: string } | undefined {
  const resolved = resolve(identity);
  if (resolved) return resolved;
  const parts = identity.split('/');
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return { project: parts[0], stack: parts[1] };
  return undefined;
}

/** The stacks a Condition's expression covers: one stack by id or name, or every stack with a tag value. */
function conditionTarget(condition: unknown, where: string, resolve: StackIdResolver, problems: string[]): StackTarget | null {
  const unsupported = () => {
    problems.push(`${where}.condition: only "stack equals <stack>" and "stack tag <key> equals <value>" conditions are supported`);
    return null;
  };
  if (typeOf(condition) !== 'PermissionExpressionEqual' || !isObject(condition)) return unsupported();
  const { left, right } = condition;
  if (typeOf(left) === 'PermissionExpressionStack' && typeOf(right) === 'PermissionLiteralExpressionStack' && isObject(right)) {
    const identity = right['identity'];
    const stack = typeof identity === 'string' ? stackFromIdentity(identity, resolve) : undefined;
    if (!stack) {
      problems.push(`${where}.condition: stack '${String(identity).slice(0, 120)}' is not a stack of this organization (give its id or 'project/stack')`);
      return null;
    }
    return { kind: 'stack', ...stack };
  }
  if (typeOf(left) === 'PermissionExpressionTag' && isObject(left) && typeOf(left['context']) === 'PermissionExpressionStack' && typeOf(right) === 'PermissionLiteralExpressionString' && isObject(right)) {
    const key = left['key'];
    const value = right['value'];
    if (typeof key !== 'string' || key === '' || typeof value !== 'string') {
      problems.push(`${where}.condition: a tag condition needs a key and a string value`);
      return null;
    }
    return { kind: 'tag', key, value };
  }
  return unsupported();
}

function walk(node: unknown, where: string, resolve: StackIdResolver, out: ParsedRoleDefinition, problems: string[]): void {
  switch (typeOf(node)) {
    case 'PermissionDescriptorAllow': {
      const allow = node as Record<string, unknown>;
      if (allow['constraints'] !== undefined && allow['constraints'] !== null) problems.push(`${where}.constraints are not supported`);
      for (const scope of mapScopes(allow['permissions'], where, problems)) if (!out.scopes.includes(scope)) out.scopes.push(scope);
      return;
    }
    case 'PermissionDescriptorGroup': {
      const entries = (node as Record<string, unknown>)['entries'];
      if (!Array.isArray(entries)) {
        problems.push(`${where}.entries must be an array`);
        return;
      }
      entries.forEach((entry, i) => walk(entry, `${where}.entries[${i}]`, resolve, out, problems));
      return;
    }
    case 'PermissionDescriptorCondition': {
      const condition = node as Record<string, unknown>;
      const target = conditionTarget(condition['condition'], where, resolve, problems);
      const sub = condition['subNode'];
      if (typeOf(sub) !== 'PermissionDescriptorAllow' || !isObject(sub)) {
        problems.push(`${where}.subNode must be a PermissionDescriptorAllow`);
        return;
      }
      const scopes = mapScopes(sub['permissions'], `${where}.subNode`, problems);
      if (scopes.some((s) => !(STACK_SCOPES as readonly string[]).includes(s))) {
        problems.push(`${where}.subNode: a condition on stacks may grant stack scopes only`);
        return;
      }
      const level = levelOfScopes(scopes);
      if (level === null) {
        problems.push(`${where}.subNode: the scopes must include at least stack:read (a rule grants a level: Read, Write or Admin)`);
        return;
      }
      if (target) out.stackRules.push({ target, permission: level });
      return;
    }
    default:
      problems.push(`${where}: descriptor type '${String(typeOf(node)).slice(0, 60)}' is not supported (use PermissionDescriptorAllow, Group or Condition)`);
  }
}

/** Pulumi's descriptor tree → scopes and stack rules; `RoleDefinitionError` lists every problem. */
export function parseRoleDescriptor(details: unknown, resolve: StackIdResolver = () => undefined): ParsedRoleDefinition {
  const out: ParsedRoleDefinition = { scopes: [], stackRules: [] };
  const problems: string[] = [];
  walk(details, 'details', resolve, out, problems);
  if (problems.length > 0) throw new RoleDefinitionError(problems);
  return out;
}

function parseTarget(value: unknown, where: string, problems: string[]): StackTarget | null {
  if (!isObject(value)) {
    problems.push(`${where}.target must be an object`);
    return null;
  }
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 255;
  switch (value['kind']) {
    case 'all':
      return { kind: 'all' };
    case 'stack':
      if (nonEmpty(value['project']) && nonEmpty(value['stack'])) return { kind: 'stack', project: value['project'] as string, stack: value['stack'] as string };
      break;
    case 'tag':
      if (nonEmpty(value['key']) && typeof value['value'] === 'string') return { kind: 'tag', key: value['key'] as string, value: value['value'] };
      break;
  }
  problems.push(`${where}.target must be {"kind":"all"}, {"kind":"stack","project","stack"} or {"kind":"tag","key","value"}`);
  return null;
}

/** Stackyard's simple form: `{scopes: [...], stackRules: [{target, permission}]}`. */
export function parseSimpleRole(body: { scopes?: unknown; stackRules?: unknown }): ParsedRoleDefinition {
  const problems: string[] = [];
  const scopes = body.scopes === undefined ? [] : mapScopes(body.scopes, 'scopes', problems);
  const stackRules: ParsedRoleDefinition['stackRules'] = [];
  if (body.stackRules !== undefined) {
    if (!Array.isArray(body.stackRules)) problems.push('stackRules must be an array');
    else
      body.stackRules.forEach((rule: unknown, i) => {
        const where = `stackRules[${i}]`;
        const target = parseTarget(isObject(rule) ? rule['target'] : undefined, where, problems);
        const permission = isObject(rule) ? rule['permission'] : undefined;
        if (permission !== 101 && permission !== 102 && permission !== 103) problems.push(`${where}.permission must be 101 (Read), 102 (Write) or 103 (Admin)`);
        else if (target) stackRules.push({ target, permission });
      });
  }
  if (problems.length > 0) throw new RoleDefinitionError(problems.map((p) => p.replace(/\.permissions must/, ' must')));
  return { scopes: [...new Set(scopes)], stackRules };
}

/** A descriptor tree that says what a simple-form role grants (what `GET` answers as `details`). */
export function describeRole(role: ParsedRoleDefinition): unknown {
  const entries: unknown[] = [];
  if (role.scopes.length > 0) entries.push({ __type: 'PermissionDescriptorAllow', permissions: [...role.scopes] });
  for (const rule of role.stackRules) {
    const permissions = [...LEVEL_SCOPES[rule.permission]];
    if (rule.target.kind === 'all') {
      entries.push({ __type: 'PermissionDescriptorAllow', permissions });
      continue;
    }
    const condition =
      rule.target.kind === 'stack'
        ? { __type: 'PermissionExpressionEqual', left: { __type: 'PermissionExpressionStack' }, right: { __type: 'PermissionLiteralExpressionStack', identity: `${rule.target.project}/${rule.target.stack}` } }
        : {
            __type: 'PermissionExpressionEqual',
            left: { __type: 'PermissionExpressionTag', context: { __type: 'PermissionExpressionStack' }, key: rule.target.key },
            right: { __type: 'PermissionLiteralExpressionString', value: rule.target.value },
          };
    entries.push({ __type: 'PermissionDescriptorCondition', condition, subNode: { __type: 'PermissionDescriptorAllow', permissions } });
  }
  return { __type: 'PermissionDescriptorGroup', entries };
}

const SCOPE_DESCRIPTIONS: Record<AccessScope, string> = {
  'stack:read': 'Read a stack: its state, history, outputs and secrets',
  'stack:update': 'Change a stack: updates, previews, refreshes, destroys, imports, tags, cancellation',
  'stack:delete': 'Delete a stack',
  'stack:rename': 'Rename a stack',
  'stack:transfer': 'Transfer a stack to another organization',
  'stack:access': "Change who may access a stack (its teams and collaborators)",
  'organization:read': 'See the organization, its members, teams and roles',
  'organization:settings': "Change the organization's member settings",
  'stack:create': 'Create stacks',
  'member:manage': 'Add, remove and change the roles of members',
  'team:create': 'Create teams',
  'team:manage': 'Change and delete teams, their members and stack permissions',
  'role:manage': 'Create, change, delete and assign custom roles',
  'token:manage': 'Manage organization and team access tokens and trusted OIDC issuers',
  'sso:manage': 'Configure SAML single sign-on and SCIM provisioning',
  'audit_log:read': 'Read and export the audit log',
};

/** The scope catalogue of `GET /api/orgs/{org}/roles/scopes`, grouped by what each scope acts on. */
export function roleScopeCatalogue(): Record<string, { name: string; scopes: { name: string; metadata: { description: string } }[] }[]> {
  const group = (name: string, scopes: readonly AccessScope[]) => ({ name, scopes: scopes.map((s) => ({ name: s, metadata: { description: SCOPE_DESCRIPTIONS[s] } })) });
  return {
    stack: [group('Stacks', STACK_SCOPES)],
    organization: [group('Organization', ORGANIZATION_SCOPES)],
  };
}
