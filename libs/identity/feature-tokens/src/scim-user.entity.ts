import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis, jsonText } from '@stackyard/shared-db';

export interface ScimEmailRow {
  value: string;
  type?: string;
  primary?: boolean;
}

/**
 * A user an organization's identity provider provisioned through SCIM (an "org-managed user"):
 * what the IdP said about them beyond the users table. The person is the user whose identity
 * (`saml:<org>`, userName) SAML sign-in finds, so SCIM and SAML meet in one user.
 */
@Entity({ name: 'scim_users' })
export class ScimUserEntity {
  @PrimaryColumn({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** As the IdP sent it: the SAML NameID, the subject of the user's `saml:<org>` identity. */
  @Column({ name: 'user_name', type: 'varchar', length: 255 })
  userName!: string;

  /** Lowercase userName: SCIM compares userName case-insensitively (RFC 7643), so it is unique so. */
  @Column({ name: 'user_name_key', type: 'varchar', length: 255 })
  userNameKey!: string;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 255, nullable: true })
  displayName!: string | null;

  @Column({ name: 'given_name', type: 'varchar', length: 255, nullable: true })
  givenName!: string | null;

  @Column({ name: 'family_name', type: 'varchar', length: 255, nullable: true })
  familyName!: string | null;

  @Column({ name: 'formatted_name', type: 'varchar', length: 255, nullable: true })
  formattedName!: string | null;

  @Column({ type: 'text', transformer: jsonText })
  emails!: ScimEmailRow[];

  /** null: never set, which counts as active. false: deactivated (no sign-in, credentials revoked). */
  @Column({ type: 'boolean', nullable: true })
  active!: boolean | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMillis })
  updatedAt!: number;
}
