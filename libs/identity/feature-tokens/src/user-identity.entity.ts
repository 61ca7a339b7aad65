import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '@stackyard/shared-db';

/**
 * Which user an identity provider's person is: (provider, subject) → user. A user may have several
 * (directory and SAML, say) once an admin links them; a subject never moves to another user.
 */
@Entity({ name: 'user_identities' })
export class UserIdentityEntity {
  /** The sign-in method's configured id, e.g. `corp-ldap`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  provider!: string;

  /** The provider's immutable id for the person (entryUUID, objectGUID, persistent NameID, …). */
  @PrimaryColumn({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** The name the person last signed in with (for admins; never used to find the user). */
  @Column({ type: 'varchar', length: 255 })
  username!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'last_sign_in_at', type: 'bigint', transformer: epochMillis })
  lastSignInAt!: number;
}
