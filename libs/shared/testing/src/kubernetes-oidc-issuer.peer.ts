import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type PemPair } from '@stackyard/shared-tls';
import { tempDir } from './temp-dir.util';

/** A key an issuer signs JWTs with: the private half stays here, the public half goes in the JWKS. */
export interface JwtSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  /** The public key as a JWK, with `kid`, `alg` and `use: sig`, as kube-apiserver publishes it. */
  publicJwk: Record<string, unknown>;
}

export function generateSigningKey(alg: 'RS256' | 'ES256', kid: string = randomUUID()): JwtSigningKey {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/**
 * Signs a compact JWS with exactly the header given (so tests can forge `alg`, `kid` or anything
 * else). `key` null leaves the signature empty, as an `alg: none` token has it.
 */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: Pick<JwtSigningKey, 'alg' | 'privateKey'> | null): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  if (key === null) return `${input}.`;
  const signature =
    key.alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** What a projected service-account token says (`kubectl create token <sa> --audience …`). */
export interface ServiceAccountTokenOptions {
  namespace?: string;
  serviceAccount?: string;
  /** `aud`; kube-apiserver always writes a list. Default: the issuer's `defaultAudience`. */
  audience?: string | string[];
  /** Seconds; default 3600 (the kubelet's default for projected tokens). */
  lifetimeSeconds?: number;
  /** Seconds since the epoch; default now. */
  issuedAt?: number;
  /** Which of the issuer's keys signs (default `rsa`), or another key altogether (not in the JWKS). */
  key?: 'rsa' | 'ec' | JwtSigningKey;
  /** Overrides of the header or the claims, applied last (`undefined` removes a claim). */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

export interface KubernetesOidcIssuerPeer {
  /** `https://127.0.0.1:<port>`: the `iss` of every token and the discovery base URL. */
  issuerUrl: string;
  /** The CA that issued the server certificate, and a file holding it (what STACKYARD_OIDC_CA names). */
  caPem: string;
  caFile: string;
  /** The CA with its key, to start another issuer under the same CA (`startKubernetesOidcIssuer({ ca })`). */
  ca: PemPair;
  defaultAudience: string;
  keys: { rsa: JwtSigningKey; ec: JwtSigningKey };
  /** The JWKS served at `/openid/v1/jwks` (public keys only). */
  jwks(): { keys: Array<Record<string, unknown>> };
  /** Requests served so far, by path (to see caching at work). */
  requests: Map<string, number>;
  /** A projected service-account token for `system:serviceaccount:<namespace>:<serviceAccount>`. */
  mintServiceAccountToken(options?: ServiceAccountTokenOptions): string;
  /** Replaces the RSA key (new `kid`), as a key rotation on the API server does. */
  rotateRsaKey(): JwtSigningKey;
  stop(): Promise<void>;
}

/**
 * What a Kubernetes API server offers for service-account token federation: the OIDC discovery
 * document at `/.well-known/openid-configuration` and the key set at `/openid/v1/jwks`, over TLS
 * with a private CA (the cluster's), plus the means to mint projected service-account tokens the
 * way the kubelet asks the API server for them (RS256 by default; an ES256 key is published too).
 * In-process and on 127.0.0.1; nothing else is needed to test OIDC token exchange end to end.
 */
export async function startKubernetesOidcIssuer(options: { defaultAudience?: string; ca?: PemPair } = {}): Promise<KubernetesOidcIssuerPeer> {
  const ca = options.ca ?? (await createCertificateAuthority('stackyard-test kubernetes-ca'));
  const serverCert = await issueCertificate(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const dir = tempDir('stackyard-kube-issuer');
  const caFile = join(dir, 'ca.crt');
  writeFileSync(caFile, ca.certPem);
  const keys = { rsa: generateSigningKey('RS256'), ec: generateSigningKey('ES256') };
  const requests = new Map<string, number>();
  let issuerUrl = '';
  const jwks = () => ({ keys: [keys.rsa.publicJwk, keys.ec.publicJwk] });
  const server: Server = createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/.well-known/openid-configuration') {
      json({
        issuer: issuerUrl,
        jwks_uri: `${issuerUrl}/openid/v1/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      });
    } else if (path === '/openid/v1/jwks') {
      json(jwks());
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuerUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const defaultAudience = options.defaultAudience ?? 'urn:pulumi:org:stackyard';
  return {
    issuerUrl,
    caPem: ca.certPem,
    caFile,
    ca,
    defaultAudience,
    keys,
    jwks,
    requests,
    mintServiceAccountToken(token: ServiceAccountTokenOptions = {}) {
      const namespace = token.namespace ?? 'ci';
      const serviceAccount = token.serviceAccount ?? 'deployer';
      const iat = token.issuedAt ?? Math.floor(Date.now() / 1000);
      const key = token.key === undefined || token.key === 'rsa' ? keys.rsa : token.key === 'ec' ? keys.ec : token.key;
      const audience = token.audience ?? defaultAudience;
      const claims: Record<string, unknown> = {
        aud: Array.isArray(audience) ? audience : [audience],
        exp: iat + (token.lifetimeSeconds ?? 3600),
        iat,
        nbf: iat,
        iss: issuerUrl,
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        'kubernetes.io': {
          namespace,
          pod: { name: `${serviceAccount}-7d9f8b6c5-x2k4q`, uid: randomUUID() },
          serviceaccount: { name: serviceAccount, uid: randomUUID() },
        },
        ...token.claims,
      };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      return signJwt({ alg: key.alg, kid: key.kid, ...token.header }, claims, key);
    },
    rotateRsaKey() {
      keys.rsa = generateSigningKey('RS256');
      return keys.rsa;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
