import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * Failed password sign-ins per key (`account:<method>:<username>` or `address:<ip>`), shared by
 * every identity replica so a lockout holds whichever replica the next attempt reaches.
 */
@Entity({ name: 'sign_in_throttle' })
export class SignInThrottleEntity {
  @PrimaryColumn({ name: 'throttle_key', type: 'varchar', length: 255 })
  key!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'window_started_at', type: 'bigint', transformer: epochMillis })
  windowStartedAt!: number;

  @Column({ name: 'locked_until', type: 'bigint', nullable: true, transformer: epochMillis })
  lockedUntil!: number | null;
}
