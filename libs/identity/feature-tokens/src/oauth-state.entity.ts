import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * An OAuth sign-in some replica started: the `state` it sent to the provider (stored as SHA-256
 * only), the method, and the PKCE verifier the code exchange needs. Single use: the callback marks
 * it consumed with one conditional UPDATE (exactly one of two concurrent callbacks wins), and the
 * consumed row stays until it expires so a replayed callback is recognised as one.
 */
@Entity({ name: 'oauth_states' })
export class OAuthStateEntity {
  @PrimaryColumn({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash!: string;

  /** The OAuth sign-in method's id (`corp-github`). */
  @Column({ type: 'varchar', length: 64 })
  provider!: string;

  /** PKCE code verifier (RFC 7636); null when the method does not use PKCE. Useless without the code. */
  @Column({ name: 'code_verifier', type: 'varchar', length: 128, nullable: true })
  codeVerifier!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMillis })
  expiresAt!: number;

  @Column({ name: 'consumed_at', type: 'bigint', nullable: true, transformer: epochMillis })
  consumedAt!: number | null;
}
