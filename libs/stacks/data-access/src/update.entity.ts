import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis, jsonText } from '@stackyard/shared-db';

export type UpdateStatusRecord = 'not-started' | 'running' | 'succeeded' | 'failed' | 'cancelled';

@Entity({ name: 'updates' })
export class UpdateEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'stack_id', type: 'varchar', length: 36 })
  stackId!: string;

  /** update | preview | refresh | destroy | import | rename */
  @Column({ type: 'varchar', length: 20 })
  kind!: string;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  @Column({ type: 'varchar', length: 16 })
  status!: UpdateStatusRecord;

  /** Stack version this update produces (non-dry-run) or read (dry run); 0 until started. */
  @Column({ type: 'int' })
  version!: number;

  /** SHA-256 of the lease token; the token itself is never stored. */
  @Column({ name: 'lease_token_hash', type: 'varchar', length: 64, nullable: true })
  leaseTokenHash!: string | null;

  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMillis })
  leaseExpiresAt!: number | null;

  @Column({ name: 'requested_by', type: 'varchar', length: 100 })
  requestedBy!: string;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'text', transformer: jsonText })
  environment!: Record<string, string>;

  @Column({ type: 'text', transformer: jsonText })
  config!: Record<string, unknown>;

  @Column({ name: 'resource_changes', type: 'text', nullable: true, transformer: jsonText })
  resourceChanges!: Record<string, number> | null;

  @Column({ name: 'resource_count', type: 'int', nullable: true })
  resourceCount!: number | null;

  /** Whether any checkpoint of this update reached storage (else completion reuses the previous state). */
  @Column({ name: 'checkpoint_written', type: 'boolean' })
  checkpointWritten!: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'started_at', type: 'bigint', nullable: true, transformer: epochMillis })
  startedAt!: number | null;

  @Column({ name: 'ended_at', type: 'bigint', nullable: true, transformer: epochMillis })
  endedAt!: number | null;
}
