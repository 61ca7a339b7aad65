import { X509Certificate } from 'node:crypto';
import { attribute, childElements, descendants, is, parseXml, SAML_NS, text, XmlRefusedError, type XmlElement } from './xml';

/** IdP metadata documents are a few KiB; a limit keeps a pasted federation aggregate (or worse) out. */
export const MAX_IDP_METADATA_BYTES = 1024 * 1024;

export const SAML_BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

/** What the SP needs from an IdP's SAML 2.0 metadata (one EntityDescriptor with an IDPSSODescriptor). */
export interface ParsedIdpMetadata {
  /** The IdP's entity ID: the Issuer its assertions must carry. */
  entityId: string;
  /** SingleSignOnService location: the HTTP-Redirect binding when offered, else HTTP-POST. */
  ssoRedirectUrl: string;
  ssoBinding: 'redirect' | 'post';
  /** Certificates (PEM) of the KeyDescriptors usable for signing; any of them may sign assertions. */
  signingCertificates: string[];
  /** IDPSSODescriptor WantAuthnRequestsSigned: the SP must then sign its AuthnRequests. */
  wantAuthnRequestsSigned: boolean;
  /** NameIDFormat values the IdP advertises (informational; may be empty). */
  nameIdFormats: string[];
  /** The earliest NotAfter among the signing certificates, so the caller can warn before it passes. */
  signingCertificatesExpireAt: Date;
}

/** Why IdP metadata was refused; the message is meant for the administrator who pasted it. */
export class SamlMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamlMetadataError';
  }
}

/**
 * Parses and checks IdP metadata as an administrator pastes or uploads it. Refuses: not XML, a DTD,
 * more than MAX_IDP_METADATA_BYTES, a root other than md:EntityDescriptor, no SAML 2.0
 * IDPSSODescriptor, no SingleSignOnService with the Redirect or POST binding, no signing
 * certificate, a certificate that does not parse, is not yet valid or has expired, and metadata
 * whose validUntil has passed.
 */
export function parseIdpMetadata(xml: string, options: { now?: Date } = {}): ParsedIdpMetadata {
  const now = options.now ?? new Date();
  if (typeof xml !== 'string' || xml.trim() === '') throw new SamlMetadataError('IdP metadata is empty');
  let root: XmlElement;
  try {
    root = parseXml(xml.trim(), 'IdP metadata', MAX_IDP_METADATA_BYTES);
  } catch (error) {
    if (error instanceof XmlRefusedError) throw new SamlMetadataError(error.message);
    throw error;
  }
  if (!is(root, SAML_NS.metadata, 'EntityDescriptor')) {
    const found = root.namespaceURI ? `{${root.namespaceURI}}${root.localName}` : root.localName;
    const hint = is(root, SAML_NS.metadata, 'EntitiesDescriptor') ? ' (an aggregate of several entities: paste the metadata of the one IdP)' : '';
    throw new SamlMetadataError(`IdP metadata must have a SAML 2.0 md:EntityDescriptor root element, found ${found}${hint}`);
  }
  const entityId = attribute(root, 'entityID')?.trim();
  if (!entityId) throw new SamlMetadataError('IdP metadata: the EntityDescriptor has no entityID');
  assertStillValid(root, 'EntityDescriptor', now);

  const idpDescriptor = childElements(root, SAML_NS.metadata, 'IDPSSODescriptor').find((descriptor) =>
    (attribute(descriptor, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML_NS.protocol),
  );
  if (!idpDescriptor) {
    throw new SamlMetadataError(`IdP metadata for ${entityId} has no IDPSSODescriptor supporting SAML 2.0 (${SAML_NS.protocol}); is this an SP's metadata?`);
  }
  assertStillValid(idpDescriptor, 'IDPSSODescriptor', now);

  const ssoServices = childElements(idpDescriptor, SAML_NS.metadata, 'SingleSignOnService');
  const ssoFor = (binding: string): string | undefined => ssoServices.find((service) => attribute(service, 'Binding') === binding && attribute(service, 'Location'))?.getAttributeNode('Location')?.value;
  const redirect = ssoFor(SAML_BINDINGS.redirect);
  const post = ssoFor(SAML_BINDINGS.post);
  const ssoRedirectUrl = redirect ?? post;
  if (!ssoRedirectUrl) {
    throw new SamlMetadataError(`IdP metadata for ${entityId} has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding`);
  }
  if (!/^https?:\/\//i.test(ssoRedirectUrl) || !URL.canParse(ssoRedirectUrl)) {
    throw new SamlMetadataError(`IdP metadata for ${entityId}: the SingleSignOnService location is not an http(s) URL`);
  }

  const signingCertificates: string[] = [];
  let signingCertificatesExpireAt: Date | undefined;
  const keyDescriptors = childElements(idpDescriptor, SAML_NS.metadata, 'KeyDescriptor').filter((descriptor) => {
    const use = attribute(descriptor, 'use');
    // A KeyDescriptor without `use` serves both signing and encryption (SAML metadata §2.4.1.1).
    return use === undefined || use === 'signing';
  });
  for (const descriptor of keyDescriptors) {
    for (const element of descendants(descriptor, SAML_NS.xmldsig, 'X509Certificate')) {
      const index = signingCertificates.length + 1;
      const certificate = parseCertificate(text(element), `signing certificate #${index} of ${entityId}`);
      if (now.getTime() < Date.parse(certificate.validFrom)) {
        throw new SamlMetadataError(`IdP metadata: signing certificate #${index} (${certificate.subject.replace(/\n/g, ', ')}) is not valid before ${isoDate(certificate.validFrom)}`);
      }
      if (now.getTime() > Date.parse(certificate.validTo)) {
        throw new SamlMetadataError(
          `IdP metadata: signing certificate #${index} (${certificate.subject.replace(/\n/g, ', ')}, SHA-256 ${certificate.fingerprint256}) expired on ${isoDate(certificate.validTo)}; ask the IdP administrator for current metadata`,
        );
      }
      const pem = certificate.toString().trim();
      if (!signingCertificates.includes(pem)) signingCertificates.push(pem);
      const notAfter = new Date(certificate.validTo);
      if (!signingCertificatesExpireAt || notAfter < signingCertificatesExpireAt) signingCertificatesExpireAt = notAfter;
    }
  }
  if (signingCertificates.length === 0 || !signingCertificatesExpireAt) {
    throw new SamlMetadataError(`IdP metadata for ${entityId} has no signing certificate (KeyDescriptor use="signing" with ds:X509Certificate); assertions could not be verified`);
  }

  return {
    entityId,
    ssoRedirectUrl,
    ssoBinding: redirect ? 'redirect' : 'post',
    signingCertificates,
    wantAuthnRequestsSigned: attribute(idpDescriptor, 'WantAuthnRequestsSigned') === 'true' || attribute(idpDescriptor, 'WantAuthnRequestsSigned') === '1',
    nameIdFormats: childElements(idpDescriptor, SAML_NS.metadata, 'NameIDFormat').map(text).filter(Boolean),
    signingCertificatesExpireAt,
  };
}

function parseCertificate(base64: string, what: string): X509Certificate {
  const body = base64.replace(/\s+/g, '');
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new SamlMetadataError(`IdP metadata: ${what} is not base64`);
  try {
    return new X509Certificate(Buffer.from(body, 'base64'));
  } catch (error) {
    throw new SamlMetadataError(`IdP metadata: ${what} is not an X.509 certificate (${error instanceof Error ? error.message : String(error)})`);
  }
}

function assertStillValid(element: XmlElement, what: string, now: Date): void {
  const validUntil = attribute(element, 'validUntil');
  if (validUntil === undefined) return;
  const until = Date.parse(validUntil);
  if (Number.isNaN(until)) throw new SamlMetadataError(`IdP metadata: the ${what} validUntil "${validUntil}" is not a date`);
  if (until <= now.getTime()) throw new SamlMetadataError(`IdP metadata: the ${what} was valid until ${new Date(until).toISOString()}; fetch current metadata from the IdP`);
}

function isoDate(value: string): string {
  const time = Date.parse(value);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}
