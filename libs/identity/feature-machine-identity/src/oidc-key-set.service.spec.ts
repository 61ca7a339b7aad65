import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseJwt, verifyJwtSignature } from '@stackyard/identity-domain';
import type { OidcIssuerEntity } from '@stackyard/identity-feature-tokens';
import { type KubernetesOidcIssuerPeer, startKubernetesOidcIssuer } from '@stackyard/testing';
import { IssuerFetchError } from './issuer-fetch';
import type { MachineIdentityOptions } from './machine-identity.options';
import { MIN_JWKS_REFRESH_MS, OidcKeySetService } from './oidc-key-set.service';

void describe(OidcKeySetService.name, () => {
  let kube: KubernetesOidcIssuerPeer;
  let clock = 1_000_000;
  const options = (overrides: Partial<MachineIdentityOptions> = {}): MachineIdentityOptions => ({
    maxIssuedTokenLifetimeSeconds: 7200,
    clockSkewSeconds: 60,
    maxSubjectTokenAgeSeconds: 86_400,
    jwksCacheSeconds: 300,
    discoveryCaPem: kube.caPem,
    discoveryAllowedHosts: [],
    now: () => clock,
    ...overrides,
  });
  const issuer = (): OidcIssuerEntity => ({ id: 'i1', orgId: 'o1', name: 'cluster', url: kube.issuerUrl, jwks: null, maxExpirationSeconds: null, createdAt: 0, modifiedAt: 0, lastUsedAt: null });
  const jwksFetches = () => kube.requests.get('/openid/v1/jwks') ?? 0;

  before(async () => {
    kube = await startKubernetesOidcIssuer();
  });
  after(() => kube.stop());

  void it('discovers the key set over TLS with the configured CA, and caches it for the configured time', async () => {
    const service = new OidcKeySetService(options());
    const before = jwksFetches();
    const keys = await service.keysFor(issuer());
    verifyJwtSignature(parseJwt(kube.mintServiceAccountToken()), keys);
    verifyJwtSignature(parseJwt(kube.mintServiceAccountToken({ key: 'ec' })), keys);
    await Promise.all([service.keysFor(issuer()), service.keysFor(issuer())]);
    assert.equal(jwksFetches() - before, 1, 'cached');
    clock += 301_000;
    await service.keysFor(issuer());
    assert.equal(jwksFetches() - before, 2, 'fetched again after the cache time');
  });

  void it('follows a key rotation: an unknown kid refreshes the keys, at most once per interval', async () => {
    const service = new OidcKeySetService(options());
    await service.keysFor(issuer());
    const before = jwksFetches();
    kube.rotateRsaKey();
    const rotated = parseJwt(kube.mintServiceAccountToken());
    assert.throws(() => verifyJwtSignature(rotated, service['cache'].values().next().value!.keys), /no RS256 key/);
    // Too soon after the last fetch: the cached keys are kept (an attacker's random kids cannot make us fetch).
    await service.keysFor(issuer(), true);
    assert.equal(jwksFetches(), before);
    clock += MIN_JWKS_REFRESH_MS;
    verifyJwtSignature(rotated, await service.keysFor(issuer(), true));
    assert.equal(jwksFetches(), before + 1);
  });

  void it('refuses issuers whose certificate is not from the configured CA, hosts not allowed, and a discovery document for another issuer', async () => {
    await assert.rejects(new OidcKeySetService(options({ discoveryCaPem: undefined })).discover(kube.issuerUrl), (e: unknown) => e instanceof IssuerFetchError && /could not connect .*STACKYARD_OIDC_CA/.test(e.message));
    await assert.rejects(new OidcKeySetService(options({ discoveryAllowedHosts: ['*.cluster.local'] })).discover(kube.issuerUrl), /not among the hosts/);
    await assert.rejects(new OidcKeySetService(options()).discover(`${kube.issuerUrl}/`), /names another issuer/);
    assert.ok((await new OidcKeySetService(options({ discoveryAllowedHosts: ['127.0.0.1'] })).discover(kube.issuerUrl)).length >= 2);
  });

  void it('uses inline keys without any request', async () => {
    const service = new OidcKeySetService(options());
    const before = kube.requests.get('/.well-known/openid-configuration') ?? 0;
    const keys = await service.keysFor({ ...issuer(), url: 'https://offline.example', jwks: JSON.stringify(kube.jwks()) });
    verifyJwtSignature(parseJwt(kube.mintServiceAccountToken()), keys);
    assert.equal(kube.requests.get('/.well-known/openid-configuration') ?? 0, before);
  });
});
