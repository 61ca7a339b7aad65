import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/** A team of an organization; its name is unique within the organization. */
@Entity({ name: 'teams' })
export class TeamEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  /** What people see; '' shows the name. Optional so that writers that predate it need not set it. */
  @Column({ name: 'display_name', type: 'varchar', length: 255, default: '' })
  displayName?: string;

  @Column({ type: 'varchar', length: 1024, default: '' })
  description?: string;

  /** `pulumi` (REST API, group mappings) or `scim` (an identity provider's group). */
  @Column({ type: 'varchar', length: 16, default: 'pulumi' })
  kind?: TeamKind;
}

export type TeamKind = 'pulumi' | 'scim';

/** `manual` for members an admin added; otherwise the sign-in method whose group mapping added them. */
export type TeamMemberSource = string;
export const MANUAL_TEAM_MEMBER = 'manual';

/**
 * Membership of a user in a team, once per source: a group mapping re-syncs only its own rows at
 * each sign-in, so it never removes a member an admin added by hand (or another provider did).
 */
@Entity({ name: 'team_members' })
export class TeamMemberEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 36 })
  teamId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  source!: TeamMemberSource;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
