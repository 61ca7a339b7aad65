import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OrgRole } from '@stackyard/shared-contracts';
import { epochMillis } from '@stackyard/shared-db';

/** A user's role in an organization; the (org, user) pair is the primary key, so it is unique. */
@Entity({ name: 'memberships' })
export class MembershipEntity {
  @PrimaryColumn({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: OrgRole;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  /** A custom role that replaces the built-in member role (Pulumi's `fgaRoleId`); null: the built-in `role`. */
  @Column({ name: 'role_id', type: 'varchar', length: 36, nullable: true })
  roleId?: string | null;
}
