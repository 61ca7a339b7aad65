import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis, jsonText } from '@stackyard/shared-db';

export interface SamlTeamMappingRow {
  group: string;
  team: string;
}

/**
 * An organization's SAML 2.0 sign-in: the IdP metadata as uploaded (validated then, parsed again at
 * each use so an expired IdP certificate stops sign-in), which attributes name the user and carry
 * the groups, and group → team mappings. No secret is stored here.
 */
@Entity({ name: 'saml_configurations' })
export class SamlConfigurationEntity {
  @PrimaryColumn({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ name: 'idp_metadata_xml', type: 'text' })
  idpMetadataXml!: string;

  /** Denormalized from the metadata for listings. */
  @Column({ name: 'idp_entity_id', type: 'varchar', length: 1024 })
  idpEntityId!: string;

  @Column({ name: 'groups_attribute', type: 'varchar', length: 255 })
  groupsAttribute!: string;

  /** Null: the NameID names the user. */
  @Column({ name: 'username_attribute', type: 'varchar', length: 255, nullable: true })
  usernameAttribute!: string | null;

  @Column({ name: 'team_mappings', type: 'text', transformer: jsonText })
  teamMappings!: SamlTeamMappingRow[];

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMillis })
  updatedAt!: number;

  /** A login, or `operator` for a change made over the internal API without a console session. */
  @Column({ name: 'updated_by', type: 'varchar', length: 64 })
  updatedBy!: string;
}
