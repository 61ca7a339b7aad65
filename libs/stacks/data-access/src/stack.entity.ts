import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis, jsonText } from '@stackyard/shared-db';

/** What the CLI shows while an update holds the stack (`currentOperation` of GET stack). */
export interface StackOperationRecord {
  kind: string;
  author: string;
  started: number;
}

@Entity({ name: 'stacks' })
export class StackEntity {
  /** Immutable internal id: secrets and objects are keyed by it, so a rename moves nothing. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'org_name', type: 'varchar', length: 40 })
  orgName!: string;

  @Column({ name: 'project_name', type: 'varchar', length: 100 })
  projectName!: string;

  @Column({ name: 'stack_name', type: 'varchar', length: 100 })
  stackName!: string;

  @Column({ type: 'text', transformer: jsonText })
  tags!: Record<string, string>;

  /** The last stack version handed out (0 for a stack never updated). */
  @Column({ type: 'int' })
  version!: number;

  /** The version whose checkpoint is the current state; null while there is none. */
  @Column({ name: 'head_version', type: 'int', nullable: true })
  headVersion!: number | null;

  @Column({ name: 'resource_count', type: 'int' })
  resourceCount!: number;

  /** The update holding the stack lock, if any; the lock is void once `leaseExpiresAt` passes. */
  @Column({ name: 'active_update_id', type: 'varchar', length: 36, nullable: true })
  activeUpdateId!: string | null;

  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMillis })
  leaseExpiresAt!: number | null;

  @Column({ name: 'current_operation', type: 'text', nullable: true, transformer: jsonText })
  currentOperation!: StackOperationRecord | null;

  /** The most recent update of any kind (dry runs included), for `activeUpdate` and `cancel`. */
  @Column({ name: 'latest_update_id', type: 'varchar', length: 36, nullable: true })
  latestUpdateId!: string | null;

  @Column({ name: 'last_update_at', type: 'bigint', nullable: true, transformer: epochMillis })
  lastUpdateAt!: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 100 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMillis })
  updatedAt!: number;
}
