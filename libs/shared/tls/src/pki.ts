import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type Key = webcrypto.CryptoKey;
// @peculiar/x509 speaks the WebCrypto API; Node's implementation is that API.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertRequest {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** e.g. `spiffe://stackyard/api`: the name internal services check on a mutually verified peer. */
  uris?: string[];
  serverAuth?: boolean;
  clientAuth?: boolean;
  days?: number;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0] & 0x7f; // positive
  return bytes.toString('hex');
}

async function exportKey(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<Key> {
  const der = x509.PemConverter.decode(pem)[0];
  return webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
}

/** A new self-signed certificate authority (ECDSA P-256, ten years). */
export async function createCertificateAuthority(commonName: string): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']));
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 3650 * 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKey(keys.privateKey) };
}

/** Issues a leaf certificate signed by `ca`. */
export async function issueCertificate(ca: PemPair, request: CertRequest): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']));
  const names: x509.JsonGeneralName[] = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(request.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  const usages: string[] = [];
  if (request.serverAuth !== false) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (request.clientAuth) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${request.commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (request.days ?? 825) * 86_400_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKey(keys.privateKey) };
}

/** Writes a file atomically with owner-only permissions (keys, tokens). */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export const SERVICE_NAMES = ['api', 'secrets', 'identity', 'console-backend'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function serviceUri(service: ServiceName): string {
  return `spiffe://stackyard/${service}`;
}

export interface EmbeddedPki {
  caFile: string;
  /** The public listener of the api (what the CLI sees). */
  publicCertFile: string;
  publicKeyFile: string;
  /** Per-service certificates for mutual TLS between services (server and client use). */
  services: Record<ServiceName, { certFile: string; keyFile: string }>;
}

/**
 * The embedded mode's PKI: one CA generated on first start, a public certificate for loopback and
 * the configured host names, and one mutual-TLS certificate per service. Existing files are kept.
 */
export async function ensureEmbeddedPki(dir: string, publicHosts: string[]): Promise<EmbeddedPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca-key.pem');
  let ca: PemPair;
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = { certPem: readFileSync(caFile, 'utf8'), keyPem: readFileSync(caKeyFile, 'utf8') };
  } else {
    ca = await createCertificateAuthority('Stackyard local CA');
    writePrivateFile(caKeyFile, ca.keyPem);
    writeFileSync(caFile, ca.certPem);
  }
  const issueIfMissing = async (name: string, request: CertRequest) => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}-key.pem`);
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      const pair = await issueCertificate(ca, request);
      writePrivateFile(keyFile, pair.keyPem);
      writeFileSync(certFile, pair.certPem);
    }
    return { certFile, keyFile };
  };
  const dns = ['localhost', ...publicHosts.filter((h) => !/^[\d.]+$/.test(h) && h !== 'localhost')];
  const ips = ['127.0.0.1', ...publicHosts.filter((h) => /^[\d.]+$/.test(h) && h !== '127.0.0.1')];
  // The public certificate is re-issued when the requested host names change, so adding a name to
  // STACKYARD_PUBLIC_HOSTS after the first start takes effect.
  const hostsFile = join(dir, 'public.hosts');
  const wanted = [...dns, ...ips].join(',');
  if (!existsSync(hostsFile) || readFileSync(hostsFile, 'utf8') !== wanted) {
    for (const f of ['public.pem', 'public-key.pem']) if (existsSync(join(dir, f))) renameSync(join(dir, f), join(dir, `${f}.old`));
  }
  const pub = await issueIfMissing('public', { commonName: 'stackyard', dnsNames: dns, ipAddresses: ips, serverAuth: true });
  writeFileSync(hostsFile, wanted);
  const services = {} as EmbeddedPki['services'];
  for (const service of SERVICE_NAMES) {
    services[service] = await issueIfMissing(`service-${service}`, {
      commonName: service,
      dnsNames: ['localhost', service],
      ipAddresses: ['127.0.0.1'],
      uris: [serviceUri(service)],
      serverAuth: true,
      clientAuth: true,
    });
  }
  return { caFile, publicCertFile: pub.certFile, publicKeyFile: pub.keyFile, services };
}
