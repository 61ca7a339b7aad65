import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

/**
 * Test-only SAML responses for the identity service's ACS tests: forged ones signed with a given
 * key (the IdP's own, to isolate one wrong field at a time) and edits of real SimpleSAMLphp
 * responses (which writes the saml:/samlp:/ds: prefixes these expressions expect). The SAML
 * library has the full attack catalogue; these are the cases the service must turn into refusals.
 */

export interface SigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

export interface ForgedFields {
  issuer: string;
  audience: string;
  recipient: string;
  /** Omitted for an IdP-initiated (unsolicited) response. */
  inResponseTo?: string;
  nameId: string;
  notOnOrAfter?: Date;
  attributes?: Record<string, string[]>;
}

const escapeXml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const newId = () => `_${randomBytes(16).toString('hex')}`;
const ASSERTION = /<saml:Assertion\b[\s\S]*?<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/;

export const toBase64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
export const fromBase64 = (samlResponse: string) => Buffer.from(samlResponse, 'base64').toString('utf8');

/** A Response whose assertion is signed with `key`, every field as given (times: valid now unless overridden). */
export function forgedResponse(fields: ForgedFields, key: SigningKey): string {
  const now = Date.now();
  const notOnOrAfter = iso(fields.notOnOrAfter ?? new Date(now + 300_000));
  const inResponseTo = fields.inResponseTo === undefined ? '' : ` InResponseTo="${escapeXml(fields.inResponseTo)}"`;
  const attributes = Object.entries(fields.attributes ?? {})
    .map(([name, values]) => `<saml:Attribute Name="${escapeXml(name)}">${values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(new Date(now))}" Destination="${escapeXml(fields.recipient)}"${inResponseTo}>` +
    `<saml:Issuer>${escapeXml(fields.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion ID="${newId()}" Version="2.0" IssueInstant="${iso(new Date(now))}"><saml:Issuer>${escapeXml(fields.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escapeXml(fields.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(fields.recipient)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(new Date(now - 30_000))}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${escapeXml(fields.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(new Date(now))}" SessionIndex="${newId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion></samlp:Response>`;
  const signature = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signature.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signature.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
  return toBase64(signature.getSignedXml());
}

function assertionOf(xml: string): string {
  const match = ASSERTION.exec(xml);
  if (!match) throw new Error('test helper: the response has no saml:Assertion');
  return match[0];
}

const withNameId = (assertion: string, nameId: string) => assertion.replace(/(<saml:NameID\b[^>]*>)[^<]*(<\/saml:NameID>)/, (_all, open: string, close: string) => `${open}${escapeXml(nameId)}${close}`);

/** The real response with the assertion's signature cut out. */
export function unsignedAssertion(samlResponse: string): string {
  const xml = fromBase64(samlResponse);
  return toBase64(xml.replace(ASSERTION, () => assertionOf(xml).replace(SIGNATURE, '')));
}

/** The real response with the NameID changed after the IdP signed it (and the Response signature, if any, dropped). */
export function tamperedNameId(samlResponse: string, nameId: string): string {
  const xml = fromBase64(samlResponse);
  const assertionAt = xml.search(ASSERTION);
  const responseSignature = SIGNATURE.exec(xml);
  const unsignedResponse = responseSignature && responseSignature.index < assertionAt ? xml.slice(0, responseSignature.index) + xml.slice(responseSignature.index + responseSignature[0].length) : xml;
  return toBase64(unsignedResponse.replace(ASSERTION, () => withNameId(assertionOf(xml), nameId)));
}

/** Signature wrapping: an unsigned evil assertion where the signed one was, the signed one hidden in Extensions. */
export function wrappedSignature(samlResponse: string, nameId: string): string {
  const xml = fromBase64(samlResponse);
  const signed = assertionOf(xml);
  const evil = withNameId(signed.replace(SIGNATURE, ''), nameId).replace(/(<saml:Assertion\b[^>]*?\sID=")[^"]*(")/, (_all, before: string, after: string) => `${before}${newId()}${after}`);
  return toBase64(xml.replace(ASSERTION, () => `<samlp:Extensions>${signed}</samlp:Extensions>${evil}`));
}
