import { randomBytes } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

/**
 * Test-only: builds SAML responses the way an IdP (or an attacker holding some key) would, and
 * edits real ones, for the attack tests. Not exported from the library's index.
 */

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
} as const;

export interface SigningKey {
  privateKeyPem: string;
  /** Put into the signature's KeyInfo, as IdPs do (and as an attacker would, with their own). */
  certificatePem?: string;
}

export interface ForgedResponseFields {
  issuer: string;
  audience: string;
  /** SubjectConfirmationData Recipient. */
  recipient: string;
  /** Response Destination; omitted when undefined. */
  destination?: string;
  /** Written to both the Response and the SubjectConfirmationData; omitted when undefined. */
  inResponseTo?: string;
  nameId: string;
  nameIdFormat?: string;
  /** Defaults to now. */
  issueInstant?: Date;
  notBefore?: Date;
  notOnOrAfter?: Date;
  subjectNotOnOrAfter?: Date;
  attributes?: Record<string, string[]>;
  assertionId?: string;
  /** Non-success status codes (top-level first): the Response then carries no assertion. */
  statusCodes?: string[];
}

export function newSamlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An unsigned SAML Response document; sign it with `signAssertion` / `signResponse`. */
export function forgeResponseXml(fields: ForgedResponseFields): string {
  const now = Date.now();
  const issueInstant = fields.issueInstant ?? new Date(now);
  const inResponseTo = fields.inResponseTo === undefined ? '' : ` InResponseTo="${escapeXml(fields.inResponseTo)}"`;
  const destination = fields.destination === undefined ? '' : ` Destination="${escapeXml(fields.destination)}"`;
  const codes = fields.statusCodes ?? [STATUS.success];
  const status = codes.reduceRight((inner, code) => `<samlp:StatusCode Value="${escapeXml(code)}">${inner}</samlp:StatusCode>`, '');
  const head =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newSamlId()}" Version="2.0" IssueInstant="${iso(issueInstant)}"${destination}${inResponseTo}>` +
    `<saml:Issuer>${escapeXml(fields.issuer)}</saml:Issuer><samlp:Status>${status}</samlp:Status>`;
  if (codes[0] !== STATUS.success) return `${head}</samlp:Response>`;
  const attributes = Object.entries(fields.attributes ?? {})
    .map(([name, values]) => `<saml:Attribute Name="${escapeXml(name)}">${values.map((value) => `<saml:AttributeValue>${escapeXml(value)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  return (
    head +
    `<saml:Assertion ID="${fields.assertionId ?? newSamlId()}" Version="2.0" IssueInstant="${iso(issueInstant)}">` +
    `<saml:Issuer>${escapeXml(fields.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${escapeXml(fields.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')}">${escapeXml(fields.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(fields.subjectNotOnOrAfter ?? new Date(now + 300_000))}" Recipient="${escapeXml(fields.recipient)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(fields.notBefore ?? new Date(now - 30_000))}" NotOnOrAfter="${iso(fields.notOnOrAfter ?? new Date(now + 300_000))}"><saml:AudienceRestriction><saml:Audience>${escapeXml(fields.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(issueInstant)}" SessionIndex="${newSamlId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion></samlp:Response>`
  );
}

function sign(xml: string, key: SigningKey, reference: string, location: string): string {
  const signature = new SignedXml({
    privateKey: key.privateKeyPem,
    ...(key.certificatePem ? { publicCert: key.certificatePem } : {}),
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  signature.addReference({ xpath: reference, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 });
  signature.computeSignature(xml, { prefix: 'ds', location: { reference: location, action: 'after' } });
  return signature.getSignedXml();
}

/** Signs the (single) Assertion, the signature placed after its Issuer as the schema orders it. */
export function signAssertion(xml: string, key: SigningKey): string {
  return sign(xml, key, "//*[local-name(.)='Assertion']", "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']");
}

/** Signs the Response element as a whole. */
export function signResponse(xml: string, key: SigningKey): string {
  return sign(xml, key, "/*[local-name(.)='Response']", "/*[local-name(.)='Response']/*[local-name(.)='Issuer']");
}

export const toBase64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
export const fromBase64 = (samlResponse: string): string => Buffer.from(samlResponse, 'base64').toString('utf8');

// ---- edits of a real IdP response (SimpleSAMLphp writes saml:/samlp:/ds: prefixes) --------------

const ASSERTION = /<saml:Assertion\b[\s\S]*?<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/;

/** The Assertion element of a real response, as text. */
export function assertionOf(xml: string): string {
  const match = ASSERTION.exec(xml);
  if (!match) throw new Error('test helper: the response has no saml:Assertion');
  return match[0];
}

/** The same response with the assertion replaced by `replacement` (any XML text). */
export function replaceAssertion(xml: string, replacement: string): string {
  return xml.replace(ASSERTION, () => replacement);
}

/** The assertion with its enveloped signature cut out. */
export function stripSignature(assertion: string): string {
  return assertion.replace(SIGNATURE, '');
}

/** The response with its own (Response-level) signature cut out, the assertion's kept. */
export function stripResponseSignature(xml: string): string {
  const assertionAt = xml.search(ASSERTION);
  const signature = SIGNATURE.exec(xml);
  if (!signature || (assertionAt >= 0 && signature.index > assertionAt)) return xml;
  return xml.slice(0, signature.index) + xml.slice(signature.index + signature[0].length);
}

/** Replaces the NameID's text (and nothing else) in an assertion. */
export function withNameId(assertion: string, nameId: string): string {
  return assertion.replace(/(<saml:NameID\b[^>]*>)[^<]*(<\/saml:NameID>)/, (_all, open: string, close: string) => `${open}${escapeXml(nameId)}${close}`);
}

/** Replaces the assertion's ID attribute. */
export function withAssertionId(assertion: string, id: string): string {
  return assertion.replace(/(<saml:Assertion\b[^>]*?\sID=")[^"]*(")/, (_all, before: string, after: string) => `${before}${id}${after}`);
}
