import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * A known value wrapped by the KEK at first start. Later starts unwrap it, so a wrong or rotated-away
 * key file is caught before any request, instead of as failures on every stack's secrets.
 */
@Entity({ name: 'kek_canaries' })
export class KekCanaryEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'wrapped_value', type: 'varchar', length: 1024 })
  wrappedValue!: string;

  @Column({ name: 'kek_id', type: 'varchar', length: 255 })
  kekId!: string;

  @Column({ name: 'kek_version', type: 'int' })
  kekVersion!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
