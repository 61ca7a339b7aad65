import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * Which stored checkpoint holds the state of stack version N (for `export/{version}` and history).
 * Several versions may point at one object when an update left the state unchanged.
 */
@Entity({ name: 'stack_versions' })
export class StackVersionEntity {
  @PrimaryColumn({ name: 'stack_id', type: 'varchar', length: 36 })
  stackId!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ name: 'object_key', type: 'varchar', length: 255 })
  objectKey!: string;

  @Column({ name: 'resource_count', type: 'int' })
  resourceCount!: number;

  @Column({ name: 'update_id', type: 'varchar', length: 36, nullable: true })
  updateId!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
