import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * A browser session on the console host, stored by the SHA-256 of its cookie value. It ends at the
 * first of: `expires_at` (absolute), `idle_timeout_ms` without use, sign-out (`revoked_at`).
 */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** The sign-in method that created it. */
  @Column({ type: 'varchar', length: 64 })
  provider!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  /** Written at most once a minute per session (see SessionService), so resolving stays a read. */
  @Column({ name: 'last_seen_at', type: 'bigint', transformer: epochMillis })
  lastSeenAt!: number;

  @Column({ name: 'idle_timeout_ms', type: 'bigint', transformer: epochMillis })
  idleTimeoutMs!: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt!: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMillis })
  revokedAt!: number | null;

  @Column({ name: 'source_ip', type: 'varchar', length: 64 })
  sourceIp!: string;

  @Column({ name: 'user_agent', type: 'varchar', length: 255 })
  userAgent!: string;
}
