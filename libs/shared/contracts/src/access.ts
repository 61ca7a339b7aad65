/**
 * Who may do what (RBAC). Identity owns every grant, role and setting below and sends them with
 * the principal (`Principal.access`); the one policy function (`@stackyard/shared-access`) turns
 * them, together with the stack's own facts (creator, tags) that the api owns, into a decision.
 */
import type { OrgRole } from './internal';

/** Pulumi's stack permission levels as the wire carries them: None, Read, Write, Admin. */
export const STACK_PERMISSION = { none: 0, read: 101, write: 102, admin: 103 } as const;
export type StackPermission = (typeof STACK_PERMISSION)[keyof typeof STACK_PERMISSION];
/** A level a grant can give (a grant of None is no grant). */
export type GrantedStackPermission = 101 | 102 | 103;

/** Scopes that act on one stack; a stack permission level is a named set of them. */
export const STACK_SCOPES = ['stack:read', 'stack:update', 'stack:delete', 'stack:rename', 'stack:transfer', 'stack:access'] as const;
export type StackScope = (typeof STACK_SCOPES)[number];

/** Scopes that act on the organization itself. */
export const ORGANIZATION_SCOPES = [
  'organization:read',
  'organization:settings',
  'stack:create',
  'member:manage',
  'team:create',
  'team:manage',
  'role:manage',
  'token:manage',
  'sso:manage',
  'audit_log:read',
] as const;
export type OrganizationScope = (typeof ORGANIZATION_SCOPES)[number];

export type AccessScope = StackScope | OrganizationScope;

/** Which stacks a grant or rule covers. */
export type StackTarget =
  | { kind: 'stack'; project: string; stack: string }
  /** Every stack carrying this tag with this value (attribute-based: tagging grants, untagging revokes). */
  | { kind: 'tag'; key: string; value: string }
  | { kind: 'all' };

/** Through whom a principal holds a grant or a role. */
export type GrantHolder =
  | { kind: 'user' }
  | { kind: 'team'; team: string }
  /** An organization or team token's own role. */
  | { kind: 'token' };

/** A direct grant of a level on stacks: a team's stack permission or a per-user override. */
export interface StackGrant {
  via: GrantHolder;
  target: StackTarget;
  permission: GrantedStackPermission;
}

/** A custom role: organization scopes, stack scopes on every stack, and levels on stacks by rule. */
export interface RoleDefinition {
  id: string;
  name: string;
  /** Organization scopes, and stack scopes that hold on every stack of the organization. */
  scopes: AccessScope[];
  stackRules: { target: StackTarget; permission: GrantedStackPermission }[];
}

/** The organization-wide settings that shape members' access (Pulumi's "member" settings). */
export interface OrganizationAccessSettings {
  /** What every member on the built-in member role (and no custom role of their own) has on every stack. */
  defaultStackPermission: 0 | 101 | 102 | 103;
  membersCanCreateStacks: boolean;
  /** Whether stack admins who are not organization admins may delete stacks. */
  membersCanDeleteStacks: boolean;
  /** Whether stack admins who are not organization admins may transfer stacks to another organization. */
  membersCanTransferStacks: boolean;
  /** Whether members may create teams (and become their first admin). */
  membersCanCreateTeams: boolean;
}

export const DEFAULT_ORGANIZATION_ACCESS_SETTINGS: OrganizationAccessSettings = {
  defaultStackPermission: 101,
  membersCanCreateStacks: true,
  membersCanDeleteStacks: true,
  membersCanTransferStacks: false,
  membersCanCreateTeams: false,
};

/** Everything identity knows that decides a principal's access within one organization. */
export interface OrganizationAccess {
  organization: string;
  /** The built-in role: `admin` (everything) or `member`. */
  role: OrgRole;
  settings: OrganizationAccessSettings;
  /** Custom roles held by the user themselves (replacing the member defaults), by their teams, or by the token. */
  roles: { via: GrantHolder; role: RoleDefinition }[];
  /** Team stack permissions and per-user stack overrides. */
  grants: StackGrant[];
  /** Teams whose admin this user is (team admins manage their team's members and stack grants). */
  teamsAdministered: string[];
}

/** Why a principal has what they have on a stack: one line per source, all of them unioned. */
export type AccessReason =
  | { kind: 'organization-admin'; organization: string }
  | { kind: 'organization-default'; permission: StackPermission }
  | { kind: 'stack-creator'; login: string }
  | { kind: 'personal-namespace'; login: string }
  | { kind: 'grant'; via: GrantHolder; target: StackTarget; permission: GrantedStackPermission }
  | { kind: 'role'; role: { id: string; name: string }; via: GrantHolder; target: StackTarget; scopes: StackScope[] };

/** `GET /api/console/orgs/{org}/members/{login}/stacks/{project}/{stack}` (and `/api/stacks/…/access` for oneself). */
export interface StackAccessExplanation {
  organization: string;
  projectName: string;
  stackName: string;
  user: string;
  /** The effective level on the wire (0 / 101 / 102 / 103): the highest level whose scopes are all held. */
  permission: StackPermission;
  scopes: StackScope[];
  /** Every source that contributed; effective access is their union. */
  reasons: AccessReason[];
  /** What each action would answer: allowed, or the status (404 / 403) and message it would get. */
  actions: { action: string; allowed: boolean; status?: 403 | 404; reason?: string }[];
}

// ---- identity: the access profile of a member (for explanations) ---------------------------

/** `POST /internal/v1/orgs/{org}/access/member` — a member's access profile (api peer only; the actor must see the org). */
export interface MemberAccessRequest {
  actorTokenHash: string;
  login: string;
}
export interface MemberAccessResponse {
  login: string;
  access: OrganizationAccess;
}
export const identityMemberAccessPath = (org: string) => `/internal/v1/orgs/${encodeURIComponent(org)}/access/member`;

/**
 * `POST /internal/v1/orgs/{org}/stack-grants/moved` and `/removed` (api peer only): a stack was
 * renamed or transferred away / deleted, so team and user grants naming it follow or go.
 */
export interface StackGrantsMovedRequest {
  from: { project: string; stack: string };
  /** Absent: the stack left the organization (deleted or transferred); its grants are dropped. */
  to?: { project: string; stack: string };
}
export const identityStackGrantsMovedPath = (org: string) => `/internal/v1/orgs/${encodeURIComponent(org)}/stack-grants/moved`;

// ---- identity: Pulumi's REST surface for organizations, members, teams and roles -------------
//
// Every route below is `POST` from the api only (mutual TLS, peer `api`), carrying the SHA-256 of
// the caller's own access token (`actorTokenHash`) so identity decides who is calling. The api's
// public routes (pulumi-cloud-selfhosted.md §3.3–3.5) forward their path parameters and body.

/** The operations of `identityAccessPath` (one internal route each). */
export const IDENTITY_ACCESS_OPERATIONS = [
  'organization/get',
  'organization/metadata',
  'organization/update',
  'members/list',
  'members/add',
  'members/update',
  'members/remove',
  'teams/list',
  'teams/create',
  'teams/get',
  'teams/update',
  'teams/delete',
  'teams/roles/list',
  'teams/roles/add',
  'teams/roles/remove',
  'roles/list',
  'roles/create',
  'roles/get',
  'roles/update',
  'roles/delete',
  'roles/scopes',
  'roles/holders',
  'stack-grants/teams/list',
  'stack-grants/teams/set',
  'stack-grants/users/list',
  'stack-grants/users/set',
] as const;
export type IdentityAccessOperation = (typeof IDENTITY_ACCESS_OPERATIONS)[number];
export const identityAccessPath = (org: string, operation: IdentityAccessOperation) => `/internal/v1/orgs/${encodeURIComponent(org)}/access/${operation}`;

/**
 * The body of every access operation: the actor plus what the public route carried. Which fields
 * an operation reads is listed with it; `request` is the public request body, validated by identity.
 */
export interface AccessOperationRequest {
  actorTokenHash: string;
  /** The caller's address as the api saw it (for the audit log). */
  sourceIp?: string;
  /** members/add|update|remove, stack-grants/users/set: the member's login. */
  login?: string;
  /** teams/get|update|delete|roles/*, stack-grants/teams/set: the team's name. */
  team?: string;
  /** roles/get|update|delete|holders, teams/roles/add|remove: the custom role's id. */
  roleId?: string;
  /** roles/holders: which holders. */
  holders?: 'users' | 'teams' | 'tokens';
  /** roles/delete: also when members, teams or tokens hold it (they fall back to their built-in role). */
  force?: boolean;
  /** members/list: paging; roles/list: `uxPurpose`. */
  continuationToken?: string;
  uxPurpose?: string;
  /** stack-grants/*: the stack (the api has checked it exists in the organization). */
  project?: string;
  stack?: string;
  /** stack-grants/teams/set and users/set: the level; 0 removes the grant. */
  permission?: number;
  /** roles/create|update: Pulumi stack ids named in the descriptor tree, resolved by the api (which owns stacks). */
  stackNames?: Record<string, { project: string; stack: string }>;
  request?: unknown;
}

/** `GET /api/orgs/{org}/metadata` (and within `GET /api/orgs/{org}`): the organization's member settings. */
export interface OrganizationMetadataResponse extends OrganizationAccessSettings {
  memberCount: number;
  /** The id of the built-in role new members get (`GET /api/orgs/{org}/roles` lists it). */
  defaultRoleId: string;
}

/** `GET /api/orgs/{org}`. */
export interface OrganizationResponse {
  name: string;
  githubLogin: string;
  avatarUrl: string;
  /** Always `pulumi`: membership is Stackyard's own (sign-in methods only add people). */
  backingIdentityProvider: 'pulumi';
  metadata: OrganizationMetadataResponse;
}

/** `PATCH /api/orgs/{org}` — Pulumi's update request; fields left out keep their value. */
export interface UpdateOrganizationSettingsRequest {
  setDefaultStackPermission?: 0 | 101 | 102 | 103;
  setMembersCanCreateStacks?: boolean;
  setMembersCanDeleteStacks?: boolean;
  setMembersCanTransferStacks?: boolean;
  setMembersCanCreateTeams?: boolean;
}

/** Pulumi's `UserInfo`. */
export interface PulumiUserInfo {
  name: string;
  githubLogin: string;
  avatarUrl: string;
  email: string;
}

/** Pulumi's `FGARole`: the role a member holds (built-in roles too). */
export interface PulumiFgaRole {
  id: string;
  name: string;
  modifiedAt: string;
}

/** Pulumi's `OrganizationMember`. */
export interface OrganizationMemberResponse {
  role: OrgRole;
  user: PulumiUserInfo;
  created: string;
  knownToPulumi: boolean;
  virtualAdmin: boolean;
  fgaRole: PulumiFgaRole;
}

/** `GET /api/orgs/{org}/members`. */
export interface ListOrganizationMembersResponse {
  members: OrganizationMemberResponse[];
  continuationToken?: string;
}

/** Pulumi's `TeamStackPermission`. */
export interface TeamStackPermissionResponse {
  projectName: string;
  stackName: string;
  permission: GrantedStackPermission;
}

/** Pulumi's `Team` (environments and insights accounts are empty: Stackyard has neither). */
export interface TeamResponse {
  kind: 'pulumi' | 'scim';
  name: string;
  displayName: string;
  description: string;
  members?: (PulumiUserInfo & { role: 'admin' | 'member' })[];
  stacks?: TeamStackPermissionResponse[];
  environments?: never[];
  accounts?: never[];
  /** The caller's role in the team. */
  userRole: 'admin' | 'member' | 'none';
  roleIds?: string[];
}

export interface ListTeamsResponse {
  teams: TeamResponse[];
}

/**
 * Pulumi's `PermissionDescriptorRecord` for a role. `details` is the descriptor tree as sent (or
 * one Stackyard derives from `scopes` and `stackRules`, which it adds).
 */
export interface RoleRecordResponse {
  id: string;
  orgId: string;
  name: string;
  description: string;
  resourceType: string;
  uxPurpose: 'role';
  details: unknown;
  /** Present for the built-in roles: `admin` or `member`. */
  defaultIdentifier?: OrgRole;
  version: number;
  isOrgDefault: boolean;
  created: string;
  modified: string;
  scopes: AccessScope[];
  stackRules: { target: StackTarget; permission: GrantedStackPermission }[];
}

export interface ListRolesResponse {
  roles: RoleRecordResponse[];
}

/** `GET /api/orgs/{org}/roles/scopes`: scopes grouped by what they act on. */
export type RoleScopesResponse = Record<string, { name: string; scopes: { name: string; metadata: { description: string } }[] }[]>;

/** `GET /api/orgs/{org}/roles/{id}/users|teams|tokens`. */
export interface RoleHoldersResponse {
  users?: PulumiUserInfo[];
  teams?: TeamResponse[];
  tokens?: { id: string; name: string; description: string }[];
}

/** `stack-grants/teams/list`: the teams with a grant on one stack. */
/** Pulumi's `ListTeamsByStackResponse`: `isMember` says whether the caller is in the team. */
export interface StackTeamGrantsResponse {
  projectName: string;
  teams: { name: string; displayName: string; description: string; permission: GrantedStackPermission; isMember: boolean }[];
}

/** `stack-grants/users/list`: the people with their own grant on one stack (Pulumi's collaborators). */
export interface StackUserGrantsResponse {
  users: { user: PulumiUserInfo; permission: GrantedStackPermission }[];
}
