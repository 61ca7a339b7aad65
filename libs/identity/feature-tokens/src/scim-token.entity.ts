import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * An organization's SCIM bearer token, stored only as its SHA-256 like access tokens, but in its
 * own table: a SCIM token is no access token (it acts for no person and opens no Pulumi API), and
 * an access token is no SCIM token. One is live per organization; rotating revokes the previous.
 */
@Entity({ name: 'scim_tokens' })
export class ScimTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  /** Lowercase hex SHA-256 of the token (CHAR(64) on MySQL). */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  /** The login of the organization admin who created it, or `operator`. */
  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  /** Written at most once a minute, like access tokens' last use. */
  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMillis })
  lastUsedAt!: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMillis })
  revokedAt!: number | null;
}
