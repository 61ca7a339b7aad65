import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * One version of a stack's data key, only ever stored wrapped by a key-encryption key. The newest
 * version seals new values; older ones stay to open what they sealed. The primary key (stack,
 * version) is what makes concurrent creation race-free (the second insert loses and reads back).
 */
@Entity({ name: 'stack_data_keys' })
export class StackDataKeyEntity {
  /** Case-sensitive on MySQL too (binary collation), since it is authenticated byte-for-byte. */
  @PrimaryColumn({ name: 'stack_id', type: 'varchar', length: 64 })
  stackId!: string;

  /** 1, 2, …: written into every value envelope this key seals. */
  @PrimaryColumn({ name: 'key_version', type: 'int' })
  keyVersion!: number;

  /** Base64 of the provider's wrapped-key bytes (text so both engines store it alike). */
  @Column({ name: 'wrapped_key', type: 'varchar', length: 1024 })
  wrappedKey!: string;

  @Column({ name: 'kek_id', type: 'varchar', length: 255 })
  kekId!: string;

  @Column({ name: 'kek_version', type: 'int' })
  kekVersion!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
