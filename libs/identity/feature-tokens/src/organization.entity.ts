import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

@Entity({ name: 'organizations' })
export class OrganizationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Unique and case-sensitive; it is the first segment of every stack path. */
  @Column({ type: 'varchar', length: 40 })
  name!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
