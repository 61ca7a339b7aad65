import { BUILT_IN_ROLE_IDS, describeRole } from '@stackyard/identity-domain';
import type { CustomRoleEntity, MemberRow, OrganizationEntity, TeamEntity, TeamMemberRow, UserEntity } from '@stackyard/identity-feature-tokens';
import {
  type AccessScope,
  type GrantedStackPermission,
  ORGANIZATION_SCOPES,
  type OrganizationAccessSettings,
  type OrganizationMemberResponse,
  type OrgRole,
  type PulumiUserInfo,
  type RoleRecordResponse,
  STACK_SCOPES,
  type StackTarget,
  type TeamResponse,
} from '@stackyard/shared-contracts';

/** Pulumi's `UserInfo`: `name` is the display name, `githubLogin` the login (as Pulumi Cloud has it). */
export function userInfo(user: Pick<UserEntity, 'login' | 'name' | 'email' | 'avatarUrl'>): PulumiUserInfo {
  return { name: user.name || user.login, githubLogin: user.login, avatarUrl: user.avatarUrl, email: user.email };
}

const iso = (millis: number) => new Date(Number(millis)).toISOString();

export function memberResponse(member: MemberRow, roles: Map<string, CustomRoleEntity>, org: OrganizationEntity): OrganizationMemberResponse {
  const custom = member.roleId ? roles.get(member.roleId) : undefined;
  return {
    role: member.role,
    user: userInfo(member),
    created: iso(member.createdAt),
    knownToPulumi: true,
    virtualAdmin: false,
    fgaRole: custom ? { id: custom.id, name: custom.name, modifiedAt: iso(custom.modifiedAt) } : { id: BUILT_IN_ROLE_IDS[member.role], name: BUILT_IN_NAMES[member.role], modifiedAt: iso(org.createdAt) },
  };
}

const BUILT_IN_NAMES: Record<OrgRole, string> = { admin: 'Admin', member: 'Member' };

export function customRoleRecord(role: CustomRoleEntity): RoleRecordResponse {
  return {
    id: role.id,
    orgId: role.orgId,
    name: role.name,
    description: role.description,
    resourceType: 'organization',
    uxPurpose: 'role',
    details: role.details ?? describeRole({ scopes: role.scopes, stackRules: role.stackRules }),
    version: role.version,
    isOrgDefault: false,
    created: iso(role.createdAt),
    modified: iso(role.modifiedAt),
    scopes: [...role.scopes],
    stackRules: role.stackRules.map((r) => ({ target: r.target, permission: r.permission })),
  };
}

/**
 * The built-in roles as role records: Admin holds everything; Member is what the organization's
 * member settings give (its default stack permission on every stack, stack and team creation as
 * allowed) — a custom role a member holds replaces it.
 */
export function builtInRoleRecords(org: OrganizationEntity, settings: OrganizationAccessSettings): RoleRecordResponse[] {
  const all = { kind: 'all' } as const satisfies StackTarget;
  const adminScopes: AccessScope[] = [...ORGANIZATION_SCOPES, ...STACK_SCOPES];
  const memberScopes: AccessScope[] = ['organization:read', ...(settings.membersCanCreateStacks ? (['stack:create'] as const) : []), ...(settings.membersCanCreateTeams ? (['team:create'] as const) : [])];
  const memberRules = settings.defaultStackPermission === 0 ? [] : [{ target: all, permission: settings.defaultStackPermission }];
  const record = (role: OrgRole, description: string, scopes: AccessScope[], stackRules: RoleRecordResponse['stackRules']): RoleRecordResponse => ({
    id: BUILT_IN_ROLE_IDS[role],
    orgId: org.id,
    name: BUILT_IN_NAMES[role],
    description,
    resourceType: 'organization',
    uxPurpose: 'role',
    details: describeRole({ scopes, stackRules }),
    defaultIdentifier: role,
    version: 1,
    isOrgDefault: role === 'member',
    created: iso(org.createdAt),
    modified: iso(org.createdAt),
    scopes,
    stackRules,
  });
  return [
    record('admin', 'Full control of the organization and every stack in it.', adminScopes, [{ target: all, permission: 103 }]),
    record('member', "What the organization's member settings allow.", memberScopes, memberRules),
  ];
}

export interface TeamDetail {
  team: TeamEntity;
  members: TeamMemberRow[];
  adminIds: ReadonlySet<string>;
  stacks: { project: string; stack: string; permission: GrantedStackPermission }[];
  roleIds: string[];
}

export function teamResponse(team: TeamEntity, userRole: TeamResponse['userRole'], detail?: Omit<TeamDetail, 'team'>): TeamResponse {
  const base: TeamResponse = { kind: team.kind === 'scim' ? 'scim' : 'pulumi', name: team.name, displayName: team.displayName || team.name, description: team.description ?? '', userRole };
  if (!detail) return base;
  return {
    ...base,
    members: detail.members.map((m) => ({ ...userInfo(m), role: detail.adminIds.has(m.userId) ? 'admin' : 'member' })),
    stacks: detail.stacks.map((s) => ({ projectName: s.project, stackName: s.stack, permission: s.permission })),
    environments: [],
    accounts: [],
    roleIds: detail.roleIds,
  };
}
