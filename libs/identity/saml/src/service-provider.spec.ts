import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { createTestSigningCertificate, type TestSigningCertificate } from '@stackyard/testing';
import { forgeResponseXml, newSamlId, signAssertion, toBase64, type ForgedResponseFields } from './forged-response.test-helper';
import { parseIdpMetadata, type ParsedIdpMetadata } from './idp-metadata';
import { SamlError, type SamlErrorKind } from './saml-error';
import { MAX_SAML_RESPONSE_BYTES, SamlServiceProvider, type SamlServiceProviderOptions } from './service-provider';
import { InMemoryAssertionReplayStore, InMemoryRequestIdStore } from './stores';

const SP_ENTITY_ID = 'https://stackyard.test/login/acme/sso/saml/metadata';
const ACS_URL = 'https://stackyard.test/login/acme/sso/saml/acs';
const IDP_ENTITY_ID = 'https://idp.acme.test/metadata';

function idpMetadataXml(certificatePem: string, bindings: string[] = ['HTTP-Redirect', 'HTTP-POST']): string {
  const body = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
  return (
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${IDP_ENTITY_ID}">` +
    `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    bindings.map((binding) => `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="https://idp.acme.test/sso/${binding}"/>`).join('') +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`
  );
}

async function refusedAs(promise: Promise<unknown>, kind: SamlErrorKind, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SamlError, `expected SamlError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

void describe('SamlServiceProvider (no IdP)', () => {
  let idpKey: TestSigningCertificate;
  let spKey: TestSigningCertificate;
  let idp: ParsedIdpMetadata;
  let requestIds: InMemoryRequestIdStore;
  const newSp = (overrides: Partial<SamlServiceProviderOptions> = {}): SamlServiceProvider =>
    new SamlServiceProvider({ spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL, idp, requestIds, replay: new InMemoryAssertionReplayStore(), ...overrides });

  const signedResponse = async (sp: SamlServiceProvider, overrides: Partial<ForgedResponseFields> = {}): Promise<string> => {
    const { requestId } = await sp.authorizeUrl();
    const xml = forgeResponseXml({ issuer: IDP_ENTITY_ID, audience: SP_ENTITY_ID, recipient: ACS_URL, destination: ACS_URL, inResponseTo: requestId, nameId: 'alice@acme.test', ...overrides });
    return toBase64(signAssertion(xml, idpKey));
  };

  before(async () => {
    [idpKey, spKey] = await Promise.all([createTestSigningCertificate({ commonName: 'unit-idp' }), createTestSigningCertificate({ commonName: 'unit-sp' })]);
    idp = parseIdpMetadata(idpMetadataXml(idpKey.certificatePem));
    requestIds = new InMemoryRequestIdStore();
  });

  void describe('configuration', () => {
    void it('refuses an incomplete or unsafe configuration', () => {
      assert.throws(() => newSp({ spEntityId: ' ' }), /spEntityId is required/);
      assert.throws(() => newSp({ acsUrl: '/relative/acs' }), /acsUrl must be an absolute http\(s\) URL/);
      assert.throws(() => newSp({ idp: { ...idp, signingCertificates: [] } }), /no signing certificate/);
      assert.throws(() => newSp({ clockSkewMs: 3_600_000 }), /clockSkewMs/);
      assert.throws(() => newSp({ maxAssertionAgeMs: 0 }), /maxAssertionAgeMs/);
      assert.throws(() => newSp({ idp: { ...idp, wantAuthnRequestsSigned: true } }), /wants signed AuthnRequests/);
    });

    void it('defaults: 60 s skew, IdP-initiated refused, emailAddress NameID', () => {
      const sp = newSp();
      assert.equal(sp.clockSkewMs, 60_000);
      assert.equal(sp.allowUnsolicitedResponses, false);
      assert.equal(sp.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    });
  });

  void describe('SP metadata', () => {
    void it('names the entity ID, the POST ACS, the NameID format and WantAssertionsSigned', () => {
      const xml = newSp().spMetadataXml();
      assert.match(xml, new RegExp(`entityID="${SP_ENTITY_ID}"`));
      assert.match(xml, /WantAssertionsSigned="true"/);
      assert.match(xml, /AuthnRequestsSigned="false"/);
      assert.match(xml, new RegExp(`<AssertionConsumerService [^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ACS_URL}"`));
      assert.match(xml, /<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress<\/NameIDFormat>/);
    });

    void it('lists the SP signing certificate when one is configured', () => {
      const xml = newSp({ signing: { privateKeyPem: spKey.privateKeyPem, certificatePem: spKey.certificatePem } }).spMetadataXml();
      assert.match(xml, /AuthnRequestsSigned="true"/);
      assert.ok(xml.includes(spKey.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '').slice(0, 60)));
      assert.doesNotMatch(xml, /PRIVATE KEY/);
    });
  });

  void describe('AuthnRequest', () => {
    void it('redirects to the IdP with a deflated AuthnRequest whose ID is recorded as outstanding', async () => {
      const store = new InMemoryRequestIdStore();
      const sp = newSp({ requestIds: store });
      const { url, requestId } = await sp.authorizeUrl('k1');
      const parsed = new URL(url);
      assert.equal(`${parsed.origin}${parsed.pathname}`, 'https://idp.acme.test/sso/HTTP-Redirect');
      assert.equal(parsed.searchParams.get('RelayState'), 'k1');
      const request = inflateRawSync(Buffer.from(parsed.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
      assert.match(request, new RegExp(`ID="${requestId}"`));
      assert.match(request, new RegExp(`AssertionConsumerServiceURL="${ACS_URL}"`));
      assert.match(request, new RegExp(`<saml:Issuer [^>]*>${SP_ENTITY_ID}</saml:Issuer>`));
      assert.doesNotMatch(request, /RequestedAuthnContext/, 'the authentication method is left to the IdP');
      assert.match(requestId, /^_[0-9a-f]{40}$/);
      assert.equal(store.size, 1);
      assert.equal(await store.consume(requestId, SP_ENTITY_ID), true);
    });

    void it('signs the redirect with the SP key (SigAlg RSA-SHA256) when configured', async () => {
      const { url } = await newSp({ signing: { privateKeyPem: spKey.privateKeyPem, certificatePem: spKey.certificatePem } }).authorizeUrl();
      const parsed = new URL(url);
      assert.equal(parsed.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      assert.ok((parsed.searchParams.get('Signature') ?? '').length > 100);
    });

    void it('refuses a RelayState over 80 bytes (SAML bindings)', async () => {
      await assert.rejects(newSp().authorizeUrl('x'.repeat(81)), /RelayState must not exceed 80 bytes/);
    });

    void it('uses an auto-POST form for an IdP that offers only HTTP-POST', async () => {
      const postOnly = newSp({ idp: parseIdpMetadata(idpMetadataXml(idpKey.certificatePem, ['HTTP-POST'])) });
      await assert.rejects(postOnly.authorizeUrl(), /offers only the HTTP-POST binding/);
      const { html, requestId } = await postOnly.authorizePostForm('k2');
      assert.match(html, /<form method="post" action="https:\/\/idp\.acme\.test\/sso\/HTTP-POST">/);
      const request = Buffer.from(/name="SAMLRequest" value="([^"]+)"/.exec(html)?.[1] ?? '', 'base64');
      assert.match(inflateRawSync(request).toString('utf8'), new RegExp(`ID="${requestId}"`));
      assert.match(html, /name="RelayState" value="k2"/);
    });
  });

  void describe('validatePostResponse', () => {
    void it('accepts a correct response signed by the IdP key', async () => {
      const sp = newSp();
      const identity = await sp.validatePostResponse(await signedResponse(sp, { attributes: { groups: ['a', 'b'], constructor: ['x'] } }));
      assert.equal(identity.nameId, 'alice@acme.test');
      assert.deepEqual(identity.attributes['groups'], ['a', 'b']);
      assert.deepEqual(identity.attributes['constructor'], ['x'], 'attribute names are data, not object keys of the prototype');
    });

    void it('accepts base64 wrapped over lines, as some IdPs post it', async () => {
      const sp = newSp();
      const wrapped = (await signedResponse(sp)).replace(/.{76}/g, '$&\r\n');
      assert.equal((await sp.validatePostResponse(wrapped)).nameId, 'alice@acme.test');
    });

    void it('refuses input that is not a SAML response', async () => {
      const sp = newSp();
      await refusedAs(sp.validatePostResponse(''), 'malformed', /empty/);
      await refusedAs(sp.validatePostResponse('%%% not base64 %%%'), 'malformed', /not base64/);
      await refusedAs(sp.validatePostResponse(toBase64('plain text')), 'malformed', /not XML|not well-formed/);
      await refusedAs(sp.validatePostResponse(toBase64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">')), 'malformed', /not well-formed/);
      await refusedAs(sp.validatePostResponse(toBase64('<LogoutResponse xmlns="urn:oasis:names:tc:SAML:2.0:protocol"/>')), 'malformed', /not a SAML 2\.0 samlp:Response/);
      await refusedAs(sp.validatePostResponse('A'.repeat(Math.ceil(MAX_SAML_RESPONSE_BYTES / 3) * 4 + 4)), 'malformed', /larger than/);
    });

    void it('refuses a DTD before any parser sees it (billion laughs)', async () => {
      const laughs = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&b;</samlp:Response>';
      await refusedAs(newSp().validatePostResponse(toBase64(laughs)), 'malformed', /DTDs are refused/);
    });

    void it('refuses a success response without an assertion, and encrypted assertions', async () => {
      const sp = newSp();
      const empty = forgeResponseXml({ issuer: IDP_ENTITY_ID, audience: SP_ENTITY_ID, recipient: ACS_URL, nameId: 'x' }).replace(/<saml:Assertion\b[\s\S]*<\/saml:Assertion>/, '');
      await refusedAs(sp.validatePostResponse(toBase64(empty)), 'malformed', /no assertion/);
      const encrypted = empty.replace('</samlp:Response>', '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion></samlp:Response>');
      await refusedAs(sp.validatePostResponse(toBase64(encrypted)), 'malformed', /encrypted assertions are not supported/);
    });

    void it('refuses a Response InResponseTo that contradicts the signed one', async () => {
      const sp = newSp();
      const { requestId } = await sp.authorizeUrl();
      const xml = signAssertion(
        forgeResponseXml({ issuer: IDP_ENTITY_ID, audience: SP_ENTITY_ID, recipient: ACS_URL, inResponseTo: requestId, nameId: 'alice@acme.test' }),
        idpKey,
      ).replace(/(<samlp:Response\b[^>]*?InResponseTo=")[^"]*/, (_all, start: string) => `${start}${newSamlId()}`);
      await refusedAs(sp.validatePostResponse(toBase64(xml)), 'unknown-request', /differs from the one in the signed assertion/);
    });

    void it('refuses a request ID issued by another SP sharing the store', async () => {
      const other = newSp({ spEntityId: 'https://stackyard.test/login/other/sso/saml/metadata' });
      const { requestId } = await other.authorizeUrl();
      const sp = newSp();
      await refusedAs(sp.validatePostResponse(await signedResponse(sp, { inResponseTo: requestId })), 'unknown-request');
      assert.equal(await requestIds.consume(requestId, other.spEntityId), true, 'still outstanding for its own SP');
    });

    void it('refuses a second assertion that reuses a consumed assertion ID', async () => {
      const sp = newSp();
      const assertionId = newSamlId();
      await sp.validatePostResponse(await signedResponse(sp, { assertionId }));
      await refusedAs(sp.validatePostResponse(await signedResponse(sp, { assertionId })), 'replayed');
    });

    void it('messages never quote the assertion', async () => {
      const sp = newSp();
      const secretName = 'secret-subject-7f3a@acme.test';
      for (const overrides of [{ audience: 'https://x.test' }, { recipient: 'https://x.test/acs' }, { issuer: 'https://x.test/idp' }, { notOnOrAfter: new Date(Date.now() - 600_000) }]) {
        await assert.rejects(sp.validatePostResponse(await signedResponse(sp, { nameId: secretName, ...overrides })), (error: unknown) => {
          assert.ok(error instanceof SamlError);
          assert.ok(!error.message.includes(secretName) && !error.message.includes('x.test'), error.message);
          return true;
        });
      }
    });
  });
});
