import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/** One engine event; (update, sequence) is the key, so a retried batch inserts nothing twice. */
@Entity({ name: 'update_events' })
export class UpdateEventEntity {
  @PrimaryColumn({ name: 'update_id', type: 'varchar', length: 36 })
  updateId!: string;

  @PrimaryColumn({ type: 'int' })
  sequence!: number;

  @Column({ type: 'bigint', transformer: epochMillis })
  timestamp!: number;

  /** The event's kind key, e.g. `resourcePreEvent`, for filtering without parsing bodies. */
  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  urn!: string | null;

  /** The event exactly as the CLI sent it (JSON text). */
  @Column({ type: 'text' })
  body!: string;
}
