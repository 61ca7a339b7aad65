import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createTestSigningCertificate, type TestSigningCertificate } from '@stackyard/testing';
import { MAX_IDP_METADATA_BYTES, parseIdpMetadata, SamlMetadataError } from './idp-metadata';

const ENTITY_ID = 'https://idp.acme.test/saml/metadata';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const certBody = (pem: string): string => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');

const keyDescriptor = (pem: string, use?: 'signing' | 'encryption'): string =>
  `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;

interface MetadataParts {
  entityAttributes?: string;
  descriptorAttributes?: string;
  keys?: string;
  sso?: string;
  extra?: string;
}

function metadata(parts: MetadataParts & { certificatePem: string }): string {
  return [
    '<?xml version="1.0"?>',
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ${parts.entityAttributes ?? `entityID="${ENTITY_ID}"`}>`,
    `<md:IDPSSODescriptor ${parts.descriptorAttributes ?? 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"'}>`,
    parts.keys ?? keyDescriptor(parts.certificatePem, 'signing'),
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>',
    parts.sso ?? `<md:SingleSignOnService Binding="${POST}" Location="https://idp.acme.test/sso/post"/><md:SingleSignOnService Binding="${REDIRECT}" Location="https://idp.acme.test/sso/redirect"/>`,
    '</md:IDPSSODescriptor>',
    parts.extra ?? '',
    '</md:EntityDescriptor>',
  ].join('\n');
}

function refused(xml: string, message: RegExp, now?: Date): void {
  assert.throws(
    () => parseIdpMetadata(xml, now ? { now } : {}),
    (error: unknown) => {
      assert.ok(error instanceof SamlMetadataError, `expected SamlMetadataError, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
}

void describe('parseIdpMetadata', () => {
  let current: TestSigningCertificate;
  let next: TestSigningCertificate;
  let expired: TestSigningCertificate;
  let future: TestSigningCertificate;
  before(async () => {
    const day = 86_400_000;
    [current, next, expired, future] = await Promise.all([
      createTestSigningCertificate({ commonName: 'idp-current' }),
      createTestSigningCertificate({ commonName: 'idp-next', notAfter: new Date(Date.now() + 400 * day) }),
      createTestSigningCertificate({ commonName: 'idp-expired', notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - day) }),
      createTestSigningCertificate({ commonName: 'idp-future', notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 400 * day) }),
    ]);
  });

  void describe('good metadata', () => {
    void it('reads entity ID, the Redirect SSO endpoint, the signing certificate as PEM and the NameID formats', () => {
      const parsed = parseIdpMetadata(metadata({ certificatePem: current.certificatePem }));
      assert.equal(parsed.entityId, ENTITY_ID);
      assert.equal(parsed.ssoRedirectUrl, 'https://idp.acme.test/sso/redirect');
      assert.equal(parsed.ssoBinding, 'redirect');
      assert.deepEqual(parsed.signingCertificates, [current.certificatePem.trim()]);
      assert.match(parsed.signingCertificates[0], /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/);
      assert.equal(parsed.wantAuthnRequestsSigned, false);
      assert.deepEqual(parsed.nameIdFormats, ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']);
      assert.ok(Math.abs(parsed.signingCertificatesExpireAt.getTime() - (Date.now() + 86_400_000)) < 120_000);
    });

    void it('falls back to the POST binding when there is no Redirect endpoint', () => {
      const parsed = parseIdpMetadata(metadata({ certificatePem: current.certificatePem, sso: `<md:SingleSignOnService Binding="${POST}" Location="https://idp.acme.test/sso/post"/>` }));
      assert.equal(parsed.ssoRedirectUrl, 'https://idp.acme.test/sso/post');
      assert.equal(parsed.ssoBinding, 'post');
    });

    void it('takes every signing certificate (rollover), KeyDescriptors without `use`, no encryption-only key, no duplicates', () => {
      const keys = [
        keyDescriptor(current.certificatePem, 'signing'),
        keyDescriptor(next.certificatePem),
        keyDescriptor(current.certificatePem),
        keyDescriptor(future.certificatePem, 'encryption'),
      ].join('');
      const parsed = parseIdpMetadata(metadata({ certificatePem: current.certificatePem, keys }));
      assert.deepEqual(parsed.signingCertificates, [current.certificatePem.trim(), next.certificatePem.trim()]);
      // The earliest expiry among them, for "renew soon" warnings.
      assert.ok(parsed.signingCertificatesExpireAt.getTime() < Date.now() + 2 * 86_400_000);
    });

    void it('reads WantAuthnRequestsSigned', () => {
      const parsed = parseIdpMetadata(
        metadata({ certificatePem: current.certificatePem, descriptorAttributes: 'WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"' }),
      );
      assert.equal(parsed.wantAuthnRequestsSigned, true);
    });

    void it('accepts a default namespace, surrounding whitespace and a future validUntil', () => {
      const xml = metadata({ certificatePem: current.certificatePem, entityAttributes: `entityID="${ENTITY_ID}" validUntil="${new Date(Date.now() + 86_400_000).toISOString()}"` })
        .replace(/md:/g, '')
        .replace('xmlns:md=', 'xmlns=');
      assert.equal(parseIdpMetadata(`\n  ${xml}\n`).entityId, ENTITY_ID);
    });
  });

  void describe('refused', () => {
    void it('empty input and non-XML', () => {
      refused('', /empty/);
      refused('   ', /empty/);
      refused('this is not xml', /not XML|not well-formed/);
      refused('{"entityID":"x"}', /not XML|not well-formed/);
    });

    void it('XML that is not well-formed', () => {
      refused(metadata({ certificatePem: current.certificatePem }).replace('</md:IDPSSODescriptor>', ''), /not well-formed/);
    });

    void it('a root other than md:EntityDescriptor', () => {
      refused('<html><body>login</body></html>', /md:EntityDescriptor root element, found html/);
      refused(`<EntityDescriptor entityID="${ENTITY_ID}"/>`, /md:EntityDescriptor root element/);
      refused(
        `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${metadata({ certificatePem: current.certificatePem }).replace('<?xml version="1.0"?>', '')}</md:EntitiesDescriptor>`,
        /aggregate of several entities/,
      );
    });

    void it('no entityID', () => {
      refused(metadata({ certificatePem: current.certificatePem, entityAttributes: '' }), /no entityID/);
    });

    void it('no IDPSSODescriptor (SP metadata) or one without SAML 2.0', () => {
      const sp = metadata({ certificatePem: current.certificatePem }).replace(/IDPSSODescriptor/g, 'SPSSODescriptor');
      refused(sp, /no IDPSSODescriptor supporting SAML 2\.0.*SP's metadata/);
      refused(metadata({ certificatePem: current.certificatePem, descriptorAttributes: 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"' }), /no IDPSSODescriptor supporting SAML 2\.0/);
    });

    void it('no SSO endpoint with the Redirect or POST binding', () => {
      refused(metadata({ certificatePem: current.certificatePem, sso: '' }), /no SingleSignOnService/);
      refused(metadata({ certificatePem: current.certificatePem, sso: '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.acme.test/soap"/>' }), /no SingleSignOnService/);
      refused(metadata({ certificatePem: current.certificatePem, sso: `<md:SingleSignOnService Binding="${REDIRECT}" Location="javascript:alert(1)"/>` }), /not an http\(s\) URL/);
    });

    void it('no signing certificate', () => {
      refused(metadata({ certificatePem: current.certificatePem, keys: '' }), /no signing certificate/);
      refused(metadata({ certificatePem: current.certificatePem, keys: keyDescriptor(current.certificatePem, 'encryption') }), /no signing certificate/);
    });

    void it('a certificate that is not base64 or not X.509', () => {
      refused(metadata({ certificatePem: current.certificatePem, keys: keyDescriptor('not*base64!', 'signing') }), /signing certificate #1 of .* is not base64/);
      refused(metadata({ certificatePem: current.certificatePem, keys: keyDescriptor(Buffer.from('garbage bytes').toString('base64'), 'signing') }), /signing certificate #1 of .* is not an X\.509 certificate/);
    });

    void it('an expired certificate, reported with its subject, fingerprint and date', () => {
      const keys = keyDescriptor(current.certificatePem, 'signing') + keyDescriptor(expired.certificatePem, 'signing');
      refused(metadata({ certificatePem: current.certificatePem, keys }), /signing certificate #2 \(CN=idp-expired, SHA-256 [0-9A-F:]+\) expired on \d{4}-\d{2}-\d{2}T/);
    });

    void it('a certificate not valid yet, and one checked at a later date', () => {
      refused(metadata({ certificatePem: future.certificatePem, keys: keyDescriptor(future.certificatePem, 'signing') }), /is not valid before/);
      refused(metadata({ certificatePem: current.certificatePem }), /expired on/, new Date(Date.now() + 2 * 86_400_000));
    });

    void it('metadata whose validUntil has passed', () => {
      refused(metadata({ certificatePem: current.certificatePem, entityAttributes: `entityID="${ENTITY_ID}" validUntil="2020-01-01T00:00:00Z"` }), /valid until 2020-01-01T00:00:00\.000Z/);
      refused(metadata({ certificatePem: current.certificatePem, entityAttributes: `entityID="${ENTITY_ID}" validUntil="soon"` }), /not a date/);
    });

    void it('a DOCTYPE: external entities (XXE) and entity expansion are never processed', () => {
      const good = metadata({ certificatePem: current.certificatePem });
      const xxe = good.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace(ENTITY_ID, '&xxe;');
      refused(xxe, /DOCTYPE or ENTITY declaration; DTDs are refused/);
      const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>${good.replace('<?xml version="1.0"?>', '')}`;
      refused(laughs, /DTDs are refused/);
      refused(good.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!doctype x SYSTEM "http://127.0.0.1:9/x.dtd">'), /DTDs are refused/);
    });

    void it('more than the size limit', () => {
      const padding = `<!--${'x'.repeat(MAX_IDP_METADATA_BYTES)}-->`;
      refused(metadata({ certificatePem: current.certificatePem, extra: padding }), /more than the 1048576 accepted/);
    });
  });
});
