import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * A team that an organization's identity provider manages through SCIM (a `scim` team): the
 * group's id is the team's id, its members are the team's members of source `scim:<org>`.
 */
@Entity({ name: 'scim_groups' })
export class ScimGroupEntity {
  @PrimaryColumn({ name: 'team_id', type: 'varchar', length: 36 })
  teamId!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  /** The group's name at the IdP; the team's name was derived from it once, at creation. */
  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName!: string;

  /** Lowercase displayName, unique per organization. */
  @Column({ name: 'display_name_key', type: 'varchar', length: 255 })
  displayNameKey!: string;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMillis })
  updatedAt!: number;
}
