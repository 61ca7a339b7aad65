import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AccessScope, GrantedStackPermission, StackTarget } from '@stackyard/shared-contracts';
import { epochMillis, jsonText } from '@stackyard/shared-db';

/** An organization's member settings; no row means the defaults (`DEFAULT_ORGANIZATION_ACCESS_SETTINGS`). */
@Entity({ name: 'organization_access_settings' })
export class OrganizationAccessSettingsEntity {
  @PrimaryColumn({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ name: 'default_stack_permission', type: 'integer' })
  defaultStackPermission!: 0 | 101 | 102 | 103;

  @Column({ name: 'members_can_create_stacks', type: 'boolean' })
  membersCanCreateStacks!: boolean;

  @Column({ name: 'members_can_delete_stacks', type: 'boolean' })
  membersCanDeleteStacks!: boolean;

  @Column({ name: 'members_can_transfer_stacks', type: 'boolean' })
  membersCanTransferStacks!: boolean;

  @Column({ name: 'members_can_create_teams', type: 'boolean' })
  membersCanCreateTeams!: boolean;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;
}

/** A stack rule of a custom role: a level on the stacks a target covers. */
export interface StoredStackRule {
  target: StackTarget;
  permission: GrantedStackPermission;
}

/** A custom role of an organization; its name is unique within the organization. */
@Entity({ name: 'custom_roles' })
export class CustomRoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 1024, default: '' })
  description!: string;

  @Column({ type: 'text', transformer: jsonText })
  scopes!: AccessScope[];

  @Column({ name: 'stack_rules', type: 'text', transformer: jsonText })
  stackRules!: StoredStackRule[];

  /** Pulumi's permission-descriptor tree as sent; null when the role was defined in Stackyard's simple form. */
  @Column({ type: 'text', nullable: true, transformer: jsonText })
  details!: object | null;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;
}

/** A custom role assigned to a team: every member (and team token) holds it. */
@Entity({ name: 'team_roles' })
export class TeamRoleEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 36 })
  teamId!: string;

  @PrimaryColumn({ name: 'role_id', type: 'varchar', length: 36 })
  roleId!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}

/** A team member who administers the team (its members and stack grants). */
@Entity({ name: 'team_admins' })
export class TeamAdminEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 36 })
  teamId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}

/** A team's permission on one stack of its organization, by name (the api owns stacks). */
@Entity({ name: 'team_stack_grants' })
export class TeamStackGrantEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 36 })
  teamId!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  project!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  stack!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ type: 'integer' })
  permission!: GrantedStackPermission;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;
}

/** A person's own permission on one stack (Pulumi's legacy stack "collaborators"). */
@Entity({ name: 'user_stack_grants' })
export class UserStackGrantEntity {
  @PrimaryColumn({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  project!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  stack!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'integer' })
  permission!: GrantedStackPermission;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;
}
