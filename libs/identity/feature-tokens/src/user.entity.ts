import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Unique and case-sensitive (binary collation on MySQL), like every name in Stackyard. */
  @Column({ type: 'varchar', length: 64 })
  login!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Empty when unknown: the CLI's user object has a plain string here. */
  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Column({ name: 'avatar_url', type: 'varchar', length: 1024 })
  avatarUrl!: string;

  /** Install-wide administrator (Pulumi's `siteAdmin`), distinct from being an org admin. */
  @Column({ name: 'site_admin', type: 'boolean' })
  siteAdmin!: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;
}
