import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwksError, parseJwks, type VerificationKey, verificationKeys } from '@stackyard/identity-domain';
import type { OidcIssuerEntity } from '@stackyard/identity-feature-tokens';
import { fetchIssuerJson, IssuerFetchError } from './issuer-fetch';
import { MACHINE_IDENTITY_OPTIONS, type MachineIdentityOptions } from './machine-identity.options';

/** An unknown `kid` may mean the issuer rotated its keys; refetch then, but at most this often per issuer. */
export const MIN_JWKS_REFRESH_MS = 30_000;
const MAX_CACHED_ISSUERS = 1_000;

interface CachedKeys {
  keys: VerificationKey[];
  fetchedAt: number;
}

/**
 * The keys an issuer signs with: stored inline with the issuer, or found through OIDC discovery
 * (`<issuer>/.well-known/openid-configuration` → `jwks_uri`, exactly what a Kubernetes API server
 * serves) and cached per issuer for STACKYARD_OIDC_JWKS_CACHE_SECONDS, one fetch in flight at a time.
 */
@Injectable()
export class OidcKeySetService {
  private readonly logger = new Logger(OidcKeySetService.name);
  private readonly cache = new Map<string, CachedKeys>();
  private readonly inflight = new Map<string, Promise<CachedKeys>>();
  private readonly now: () => number;

  constructor(@Inject(MACHINE_IDENTITY_OPTIONS) private readonly options: MachineIdentityOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Verification keys for the issuer. `refresh` asks for a fresh copy (after an unknown `kid`),
   * which is honoured once the cached copy is MIN_JWKS_REFRESH_MS old. Throws IssuerFetchError or
   * JwksError when the keys cannot be had.
   */
  async keysFor(issuer: OidcIssuerEntity, refresh = false): Promise<VerificationKey[]> {
    const inline = issuer.jwks;
    if (inline !== null) return this.cached(`inline:${issuer.id}:${issuer.modifiedAt}`, () => Promise.resolve(verificationKeys(parseJwks(JSON.parse(inline)).keys)), refresh, true);
    return this.cached(`discovered:${issuer.id}:${issuer.url}`, () => this.discover(issuer.url), refresh, false);
  }

  /** Fetches the issuer's keys through discovery, to check an issuer before it is registered. */
  async discover(issuerUrl: string): Promise<VerificationKey[]> {
    const fetchOptions = { allowedHosts: this.options.discoveryAllowedHosts, ...(this.options.discoveryCaPem ? { caPem: this.options.discoveryCaPem } : {}) };
    const base = issuerUrl.replace(/\/+$/, '');
    const document = await fetchIssuerJson(`${base}/.well-known/openid-configuration`, fetchOptions);
    if (typeof document !== 'object' || document === null) throw new IssuerFetchError(`${base}/.well-known/openid-configuration is not a discovery document`);
    const { issuer, jwks_uri: jwksUri } = document as Record<string, unknown>;
    // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
    if (issuer !== issuerUrl) throw new IssuerFetchError(`the discovery document of ${issuerUrl} names another issuer (${JSON.stringify(String(issuer).slice(0, 200))})`);
    if (typeof jwksUri !== 'string') throw new IssuerFetchError(`the discovery document of ${issuerUrl} has no jwks_uri`);
    const jwks = await fetchIssuerJson(jwksUri, fetchOptions);
    try {
      return verificationKeys(parseJwks(jwks).keys);
    } catch (error) {
      if (error instanceof JwksError) throw new IssuerFetchError(`the key set at ${jwksUri.slice(0, 200)} is not usable: ${error.message}`);
      throw error;
    }
  }

  private async cached(key: string, load: () => Promise<VerificationKey[]>, refresh: boolean, permanent: boolean): Promise<VerificationKey[]> {
    const now = this.now();
    const entry = this.cache.get(key);
    if (entry) {
      const age = now - entry.fetchedAt;
      // Inline keys change only with the issuer (whose modification time is in the key).
      if (permanent || (!refresh && age < this.options.jwksCacheSeconds * 1000) || (refresh && age < MIN_JWKS_REFRESH_MS)) return entry.keys;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load()
        .then((keys) => {
          const loaded = { keys, fetchedAt: this.now() };
          if (this.cache.size >= MAX_CACHED_ISSUERS) this.cache.delete(this.cache.keys().next().value!);
          this.cache.set(key, loaded);
          return loaded;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      return (await pending).keys;
    } catch (error) {
      if (error instanceof IssuerFetchError) this.logger.warn(`could not fetch issuer keys: ${error.message}`);
      throw error;
    }
  }
}
