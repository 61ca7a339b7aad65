import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TokenKind } from '@stackyard/shared-contracts';
import { epochMillis } from '@stackyard/shared-db';

/**
 * An access token, stored only as the SHA-256 of its value: a database leak does not hand out
 * working tokens. Revoked tokens stay (with `revoked_at`) so their names stay taken and audits can
 * still name them.
 */
@Entity({ name: 'access_tokens' })
export class AccessTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** The organization an organization or team token acts for; null for personal tokens. */
  @Column({ name: 'org_id', type: 'varchar', length: 36, nullable: true })
  orgId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind!: TokenKind;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Lowercase hex SHA-256 of the token (CHAR(64) on MySQL). */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  /** Updated at most once a minute per token, so resolving stays a read on the hot path. */
  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMillis })
  lastUsedAt!: number | null;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: epochMillis })
  expiresAt!: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMillis })
  revokedAt!: number | null;
}
