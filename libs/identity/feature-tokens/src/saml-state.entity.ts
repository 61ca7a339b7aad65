import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * An AuthnRequest some replica sent and no response has answered yet. Deleting the row is how a
 * response consumes it, so exactly one of two concurrent responses can (the delete's row count).
 */
@Entity({ name: 'saml_requests' })
export class SamlRequestEntity {
  @PrimaryColumn({ name: 'request_id', type: 'varchar', length: 64 })
  requestId!: string;

  /** The organization's SP entity ID: a request of one organization cannot be answered at another's ACS. */
  @Column({ name: 'sp_entity_id', type: 'varchar', length: 512 })
  spEntityId!: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt!: number;
}

/**
 * An assertion already used to sign in, keyed by SHA-256 of (IdP entity ID, assertion ID): the
 * primary key makes "insert if absent" atomic across replicas, so a replay fails wherever it lands.
 * Kept until the assertion would be refused as expired anyway.
 */
@Entity({ name: 'saml_consumed_assertions' })
export class SamlConsumedAssertionEntity {
  @PrimaryColumn({ name: 'assertion_key', type: 'varchar', length: 64 })
  assertionKey!: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt!: number;
}
