import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AuthPolicyDefinition } from '@stackyard/shared-contracts';
import { epochMillis, jsonText } from '@stackyard/shared-db';

/**
 * An OIDC issuer an organization trusts for token exchange (a Kubernetes cluster's service-account
 * issuer, a CI system). `url` is compared exactly with a JWT's `iss`; the keys are either stored
 * inline (`jwks`) or fetched from the issuer's discovery document.
 */
@Entity({ name: 'oidc_issuers' })
export class OidcIssuerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 512 })
  url!: string;

  /** The issuer's public JWKS as JSON text; null: fetch `<url>/.well-known/openid-configuration` → `jwks_uri`. */
  @Column({ type: 'text', nullable: true })
  jwks!: string | null;

  /** Longest lifetime of a token issued for this issuer's JWTs (within the server's own cap). */
  @Column({ name: 'max_expiration_seconds', type: 'integer', nullable: true })
  maxExpirationSeconds!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;

  /** Last successful exchange, at most once a minute. */
  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMillis })
  lastUsedAt!: number | null;
}

/** The authorization policy of one issuer: the rules that decide which tokens its JWTs become. */
@Entity({ name: 'oidc_auth_policies' })
export class OidcAuthPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'issuer_id', type: 'varchar', length: 36 })
  issuerId!: string;

  @Column({ name: 'org_id', type: 'varchar', length: 36 })
  orgId!: string;

  /** Bumped by every change. */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text', transformer: jsonText })
  policies!: AuthPolicyDefinition[];

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMillis })
  createdAt!: number;

  @Column({ name: 'modified_at', type: 'bigint', transformer: epochMillis })
  modifiedAt!: number;
}
