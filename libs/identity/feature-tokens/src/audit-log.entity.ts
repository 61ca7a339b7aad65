import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * One link of the audit log's hash chain (apps/identity migration AuditLog). Rows are only ever
 * inserted: no code path updates or deletes them, and the verifier notices if anyone else does.
 */
@Entity({ name: 'audit_log' })
export class AuditLogEntryEntity {
  @PrimaryColumn({ type: 'bigint', transformer: epochMillis })
  sequence!: number;

  /** Epoch milliseconds of the event (the recording service's clock). */
  @Column({ type: 'bigint', transformer: epochMillis })
  timestamp!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  organization!: string | null;

  @Column({ type: 'varchar', length: 64 })
  event!: string;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'source_ip', type: 'varchar', length: 64 })
  sourceIp!: string;

  @Column({ name: 'user_login', type: 'varchar', length: 64, nullable: true })
  user!: string | null;

  @Column({ name: 'token_id', type: 'varchar', length: 64, nullable: true })
  tokenId!: string | null;

  @Column({ name: 'token_name', type: 'varchar', length: 255, nullable: true })
  tokenName!: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 255 })
  actorName!: string;

  @Column({ name: 'actor_urn', type: 'varchar', length: 512 })
  actorUrn!: string;

  @Column({ name: 'req_org_admin', type: 'boolean' })
  reqOrgAdmin!: boolean;

  @Column({ name: 'req_stack_admin', type: 'boolean' })
  reqStackAdmin!: boolean;

  @Column({ name: 'auth_failure', type: 'boolean' })
  authFailure!: boolean;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/** The one row (id 1) naming the chain's last link; appenders lock it to take the next sequence. */
@Entity({ name: 'audit_chain_head' })
export class AuditChainHeadEntity {
  @PrimaryColumn({ type: 'int' })
  id!: number;

  @Column({ name: 'last_sequence', type: 'bigint', transformer: epochMillis })
  lastSequence!: number;

  @Column({ name: 'last_hash', type: 'varchar', length: 64 })
  lastHash!: string;
}
