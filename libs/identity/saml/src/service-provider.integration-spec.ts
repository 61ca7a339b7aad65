import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestSigningCertificate, startSimpleSamlPhp, type SimpleSamlPhpPeer, type TestSigningCertificate } from '@stackyard/testing';
import {
  assertionOf,
  forgeResponseXml,
  fromBase64,
  newSamlId,
  replaceAssertion,
  signAssertion,
  signResponse,
  STATUS,
  stripResponseSignature,
  stripSignature,
  toBase64,
  withAssertionId,
  withNameId,
  type ForgedResponseFields,
} from './forged-response.test-helper';
import { parseIdpMetadata } from './idp-metadata';
import { SamlError, type SamlErrorKind } from './saml-error';
import { SamlServiceProvider, type SamlServiceProviderOptions } from './service-provider';
import { InMemoryAssertionReplayStore, InMemoryRequestIdStore } from './stores';

const SP_ENTITY_ID = 'https://stackyard.test/login/acme/sso/saml/metadata';
const ACS_URL = 'https://stackyard.test/login/acme/sso/saml/acs';
const ALICE = { username: 'alice', password: 'alice-password', mail: 'alice@acme.test', displayName: 'Alice Example', groups: ['platform', 'stack-admins', 'on-call'] };
const BOB = { username: 'bob', password: 'bob-password', mail: 'bob@acme.test', displayName: 'Bob Example', groups: ['developers'] };

async function refusal(promise: Promise<unknown>): Promise<SamlError> {
  try {
    const identity = await promise;
    assert.fail(`expected a SamlError, got an identity for ${JSON.stringify((identity as { nameId?: string }).nameId)}`);
  } catch (error) {
    if (!(error instanceof SamlError)) throw error;
    return error;
  }
}

async function assertRefused(promise: Promise<unknown>, kind: SamlErrorKind): Promise<SamlError> {
  const error = await refusal(promise);
  assert.equal(error.kind, kind, `expected kind ${kind}, got ${error.kind}: ${error.message}`);
  return error;
}

void describe('SamlServiceProvider against SimpleSAMLphp (real IdP)', () => {
  let idp: SimpleSamlPhpPeer;
  let requestIds: InMemoryRequestIdStore;
  let sp: SamlServiceProvider;
  let idpKey: TestSigningCertificate;
  let attackerKey: TestSigningCertificate;

  const newSp = (overrides: Partial<SamlServiceProviderOptions> = {}): SamlServiceProvider =>
    new SamlServiceProvider({
      spEntityId: SP_ENTITY_ID,
      acsUrl: ACS_URL,
      idp: parseIdpMetadata(idp.metadataXml),
      requestIds,
      replay: new InMemoryAssertionReplayStore(),
      ...overrides,
    });

  /** A real response from the IdP for a fresh SP-initiated sign-in, and the request it answers. */
  const realResponse = async (user = ALICE, provider = sp): Promise<{ samlResponse: string; requestId: string; relayState: string | undefined }> => {
    const { url, requestId } = await provider.authorizeUrl('state-1');
    const result = await idp.signIn({ authorizeUrl: url, username: user.username, password: user.password });
    assert.equal(result.kind, 'saml-response', result.kind === 'login-refused' ? result.error : '');
    return { samlResponse: result.samlResponse, requestId, relayState: result.relayState };
  };

  /** A response signed with the IdP's own key, correct in every field unless overridden. */
  const forged = async (overrides: Partial<ForgedResponseFields> = {}, key: TestSigningCertificate = idpKey): Promise<string> => {
    const { requestId } = await sp.authorizeUrl();
    const xml = forgeResponseXml({
      issuer: idp.entityId,
      audience: SP_ENTITY_ID,
      recipient: ACS_URL,
      destination: ACS_URL,
      inResponseTo: requestId,
      nameId: ALICE.mail,
      attributes: { uid: ['alice'], groups: ['platform'] },
      ...overrides,
    });
    return toBase64(signAssertion(xml, key));
  };

  before(async () => {
    const startedAt = performance.now();
    idp = await startSimpleSamlPhp({ sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL }, users: [ALICE, BOB] });
    // Measured for the test-peer documentation; printed, not asserted.
    console.log(`# SimpleSAMLphp peer started in ${Math.round(performance.now() - startedAt)} ms`);
    requestIds = new InMemoryRequestIdStore();
    sp = newSp();
    idpKey = { certificatePem: idp.certificatePem, privateKeyPem: idp.privateKeyPem };
    attackerKey = await createTestSigningCertificate({ commonName: 'attacker' });
  });
  after(async () => {
    await idp?.stop();
  });

  void describe('sign-in', () => {
    void it('parses the real IdP metadata', () => {
      const metadata = parseIdpMetadata(idp.metadataXml);
      assert.equal(metadata.entityId, `${idp.baseUrl}/saml2/idp/metadata.php`);
      assert.equal(metadata.ssoRedirectUrl, `${idp.baseUrl}/saml2/idp/SSOService.php`);
      assert.equal(metadata.ssoBinding, 'redirect');
      assert.deepEqual(metadata.signingCertificates, [idp.certificatePem.trim()]);
      assert.equal(metadata.wantAuthnRequestsSigned, false);
    });

    void it('signs a user in SP-initiated: NameID and the attributes uid, mail, displayName and multi-valued groups', async () => {
      const startedAt = performance.now();
      const { samlResponse, requestId, relayState } = await realResponse(ALICE);
      const identity = await sp.validatePostResponse(samlResponse, { expectedRequestId: requestId });
      console.log(`# SP-initiated sign-in round trip (authorize → IdP login → validate) took ${Math.round(performance.now() - startedAt)} ms`);
      assert.equal(relayState, 'state-1');
      assert.equal(identity.issuer, idp.entityId);
      assert.equal(identity.nameId, ALICE.mail);
      assert.equal(identity.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      assert.equal(identity.inResponseTo, requestId);
      assert.ok(identity.sessionIndex, 'SimpleSAMLphp sends a SessionIndex');
      assert.ok(identity.sessionNotOnOrAfter && identity.sessionNotOnOrAfter.getTime() > Date.now());
      assert.deepEqual(identity.attributes['uid'], ['alice']);
      assert.deepEqual(identity.attributes['mail'], [ALICE.mail]);
      assert.deepEqual(identity.attributes['displayName'], [ALICE.displayName]);
      assert.deepEqual(identity.attributes['groups'], ALICE.groups);
    });

    void it('tells users apart and leaves the request consumed', async () => {
      const { samlResponse, requestId } = await realResponse(BOB);
      const identity = await sp.validatePostResponse(samlResponse);
      assert.equal(identity.nameId, BOB.mail);
      assert.deepEqual(identity.attributes['groups'], ['developers']);
      assert.equal(await requestIds.consume(requestId, SP_ENTITY_ID), false, 'the request ID is single-use');
    });

    void it('gets the IdP error for a wrong password and no response', async () => {
      const { url } = await sp.authorizeUrl();
      const result = await idp.signIn({ authorizeUrl: url, username: ALICE.username, password: 'wrong' });
      assert.deepEqual(result, { kind: 'login-refused', error: 'Incorrect username or password' });
    });

    void it('accepts a response forged with the IdP key when every field is right (control for the attacks below)', async () => {
      const identity = await sp.validatePostResponse(await forged());
      assert.equal(identity.nameId, ALICE.mail);
      assert.deepEqual(identity.attributes['groups'], ['platform']);
    });
  });

  void describe('signed AuthnRequests', () => {
    let strictIdp: SimpleSamlPhpPeer;
    let spKey: TestSigningCertificate;
    before(async () => {
      spKey = await createTestSigningCertificate({ commonName: 'stackyard-sp' });
      strictIdp = await startSimpleSamlPhp({
        sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL, signingCertificatePem: spKey.certificatePem },
        users: [ALICE],
        requireSignedAuthnRequests: true,
      });
    });
    after(async () => {
      await strictIdp?.stop();
    });

    void it('signs the redirect when the IdP metadata says WantAuthnRequestsSigned, and the IdP accepts it', async () => {
      const metadata = parseIdpMetadata(strictIdp.metadataXml);
      assert.equal(metadata.wantAuthnRequestsSigned, true);
      const base = { spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL, idp: metadata, requestIds, replay: new InMemoryAssertionReplayStore() };
      assert.throws(() => new SamlServiceProvider(base), /wants signed AuthnRequests/);
      const signing = new SamlServiceProvider({ ...base, signing: { privateKeyPem: spKey.privateKeyPem, certificatePem: spKey.certificatePem } });
      assert.match(signing.spMetadataXml(), /AuthnRequestsSigned="true"/);
      const { url } = await signing.authorizeUrl();
      assert.match(url, /[?&]Signature=/);
      const result = await strictIdp.signIn({ authorizeUrl: url, username: ALICE.username, password: ALICE.password });
      assert.equal(result.kind, 'saml-response');
      assert.equal((await signing.validatePostResponse(result.samlResponse)).nameId, ALICE.mail);

      // The IdP really checks: an unsigned request (metadata flag ignored on purpose) gets no login form.
      const careless = new SamlServiceProvider({ ...base, idp: { ...metadata, wantAuthnRequestsSigned: false } });
      const unsigned = await careless.authorizeUrl();
      await assert.rejects(strictIdp.signIn({ authorizeUrl: unsigned.url, username: ALICE.username, password: ALICE.password }), /no login form/);
    });
  });

  void describe('attacks', () => {
    void it('unsigned: the assertion with its signature removed', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const tampered = replaceAssertion(xml, stripSignature(assertionOf(xml)));
      await assertRefused(sp.validatePostResponse(toBase64(tampered)), 'unsigned');
    });

    void it('unsigned: a Response correctly signed by the IdP key around an unsigned assertion is not enough', async () => {
      const { requestId } = await sp.authorizeUrl();
      const xml = forgeResponseXml({ issuer: idp.entityId, audience: SP_ENTITY_ID, recipient: ACS_URL, destination: ACS_URL, inResponseTo: requestId, nameId: ALICE.mail });
      await assertRefused(sp.validatePostResponse(toBase64(signResponse(xml, idpKey))), 'unsigned');
    });

    void it('bad-signature: an assertion signed by another key (with that key certificate in KeyInfo)', async () => {
      await assertRefused(sp.validatePostResponse(await forged({}, attackerKey)), 'bad-signature');
    });

    void it('bad-signature: the real assertion with the NameID changed after signing', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const tampered = replaceAssertion(stripResponseSignature(xml), withNameId(assertionOf(xml), BOB.mail));
      await assertRefused(sp.validatePostResponse(toBase64(tampered)), 'bad-signature');
    });

    void it('XSW: an unsigned evil assertion first, the signed one hidden in samlp:Extensions', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const signed = assertionOf(xml);
      const evil = withAssertionId(withNameId(stripSignature(signed), BOB.mail), newSamlId());
      const wrapped = replaceAssertion(xml, `<samlp:Extensions>${signed}</samlp:Extensions>${evil}`);
      const error = await assertRefused(sp.validatePostResponse(toBase64(wrapped)), 'bad-signature');
      assert.doesNotMatch(error.message, new RegExp(BOB.mail));
    });

    void it('XSW: an evil assertion reusing the signed one\'s ID and signature, the original nested inside it', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const signed = assertionOf(xml);
      const signature = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/.exec(signed)![0];
      // Same ID, the original signature copied in, the genuine signed assertion tucked into Advice.
      const evil = withNameId(stripSignature(signed), BOB.mail)
        .replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, (issuer) => `${issuer}${signature}`)
        .replace(/<saml:AuthnStatement\b/, (start) => `<saml:Advice>${signed}</saml:Advice>${start}`);
      await assertRefused(sp.validatePostResponse(toBase64(replaceAssertion(xml, evil))), 'bad-signature');
    });

    void it('XSW: the signed assertion followed by an unsigned evil sibling (for readers of the last assertion)', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const signed = assertionOf(xml);
      const evil = withAssertionId(withNameId(stripSignature(signed), BOB.mail), newSamlId());
      await assertRefused(sp.validatePostResponse(toBase64(replaceAssertion(xml, `${signed}${evil}`))), 'bad-signature');
    });

    void it('XSW: the whole signed Response wrapped inside an evil Response', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse);
      const evilAssertion = withAssertionId(withNameId(stripSignature(assertionOf(xml)), BOB.mail), newSamlId());
      const outer = xml
        .replace(/^(<samlp:Response\b[^>]*?\sID=")[^"]*/, (_all, start: string) => `${start}${newSamlId()}`)
        .replace(/<\/samlp:Response>\s*$/, '');
      const wrapped = `${replaceAssertion(stripResponseSignature(outer), `<samlp:Extensions>${xml}</samlp:Extensions>${evilAssertion}`)}</samlp:Response>`;
      await assertRefused(sp.validatePostResponse(toBase64(wrapped)), 'bad-signature');
    });

    void it('wrong-audience: an assertion for another SP, signed by the IdP', async () => {
      await assertRefused(sp.validatePostResponse(await forged({ audience: 'https://other-sp.test/metadata' })), 'wrong-audience');
    });

    void it('wrong-audience: a real response issued for another SP entity ID', async () => {
      // The same IdP serves the assertion; this SP is configured with another entity ID.
      const otherSp = newSp({ spEntityId: 'https://stackyard.test/login/other/sso/saml/metadata' });
      const { samlResponse } = await realResponse(ALICE, sp);
      await assertRefused(otherSp.validatePostResponse(samlResponse), 'wrong-audience');
    });

    void it('wrong-issuer: an assertion naming another issuer, signed by the IdP key', async () => {
      await assertRefused(sp.validatePostResponse(await forged({ issuer: 'https://evil-idp.test/metadata' })), 'wrong-issuer');
    });

    void it('expired: NotOnOrAfter in the past, properly signed', async () => {
      const past = new Date(Date.now() - 5 * 60_000);
      await assertRefused(sp.validatePostResponse(await forged({ notOnOrAfter: past })), 'expired');
      await assertRefused(sp.validatePostResponse(await forged({ subjectNotOnOrAfter: past })), 'expired');
    });

    void it('expired: an assertion older than maxAssertionAgeMs, even with a far NotOnOrAfter', async () => {
      const issueInstant = new Date(Date.now() - 20 * 60_000);
      const far = new Date(Date.now() + 60 * 60_000);
      await assertRefused(sp.validatePostResponse(await forged({ issueInstant, notBefore: issueInstant, notOnOrAfter: far, subjectNotOnOrAfter: far })), 'expired');
    });

    void it('not-yet-valid: NotBefore beyond the clock skew, properly signed; within the skew it passes', async () => {
      await assertRefused(sp.validatePostResponse(await forged({ notBefore: new Date(Date.now() + 10 * 60_000) })), 'not-yet-valid');
      await assertRefused(sp.validatePostResponse(await forged({ issueInstant: new Date(Date.now() + 10 * 60_000) })), 'not-yet-valid');
      const identity = await sp.validatePostResponse(await forged({ notBefore: new Date(Date.now() + 30_000) }));
      assert.equal(identity.nameId, ALICE.mail);
    });

    void it('replayed: the same real response posted twice', async () => {
      const { samlResponse } = await realResponse();
      assert.equal((await sp.validatePostResponse(samlResponse)).nameId, ALICE.mail);
      await assertRefused(sp.validatePostResponse(samlResponse), 'replayed');
    });

    void it('unknown-request: InResponseTo for a request never issued, signed by the IdP', async () => {
      await assertRefused(sp.validatePostResponse(await forged({ inResponseTo: newSamlId() })), 'unknown-request');
    });

    void it('unknown-request: a response for another browser\'s request, and an unsolicited one', async () => {
      const { samlResponse } = await realResponse();
      await assertRefused(sp.validatePostResponse(samlResponse, { expectedRequestId: newSamlId() }), 'unknown-request');
      const unsolicited = await forged({ inResponseTo: undefined });
      await assertRefused(sp.validatePostResponse(unsolicited), 'unknown-request');
      // IdP-initiated sign-in only when the organization opted in.
      const lenient = newSp({ allowUnsolicitedResponses: true });
      assert.equal((await lenient.validatePostResponse(await forged({ inResponseTo: undefined }))).nameId, ALICE.mail);
    });

    void it('wrong-recipient: Recipient or Destination that is not the ACS URL', async () => {
      await assertRefused(sp.validatePostResponse(await forged({ recipient: 'https://evil-sp.test/acs' })), 'wrong-recipient');
      await assertRefused(sp.validatePostResponse(await forged({ destination: 'https://evil-sp.test/acs' })), 'wrong-recipient');
    });

    void it('wrong-recipient: a real response delivered to an SP with another ACS URL', async () => {
      const { samlResponse } = await realResponse();
      await assertRefused(newSp({ acsUrl: 'https://stackyard.test/login/acme/sso/saml/other-acs' }).validatePostResponse(samlResponse), 'wrong-recipient');
    });

    void it('idp-status: Responder/AuthnFailed, signed or not', async () => {
      const { requestId } = await sp.authorizeUrl();
      const fields = { issuer: idp.entityId, audience: SP_ENTITY_ID, recipient: ACS_URL, destination: ACS_URL, inResponseTo: requestId, nameId: '', statusCodes: [STATUS.responder, STATUS.authnFailed] };
      for (const xml of [forgeResponseXml(fields), signResponse(forgeResponseXml(fields), idpKey)]) {
        const error = await assertRefused(sp.validatePostResponse(toBase64(xml)), 'idp-status');
        assert.deepEqual(error.statusCodes, [STATUS.responder, STATUS.authnFailed]);
        assert.match(error.message, /Responder\/AuthnFailed/);
      }
    });

    void it('malformed: a DOCTYPE with an external entity in the response', async () => {
      const { samlResponse } = await realResponse();
      const xml = fromBase64(samlResponse).replace(/^(<\?xml[^>]*\?>)?/, '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>');
      const error = await assertRefused(sp.validatePostResponse(toBase64(xml)), 'malformed');
      assert.match(error.message, /DOCTYPE/);
    });
  });
});
