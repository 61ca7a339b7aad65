import { randomBytes } from 'node:crypto';
import { generateServiceProviderMetadata, SAML, SamlStatusError, ValidateInResponseTo, type SamlConfig } from '@node-saml/passport-saml';
import type { ParsedIdpMetadata } from './idp-metadata';
import { SamlError } from './saml-error';
import type { AssertionReplayStore, RequestIdStore } from './stores';
import { allElements, attribute, childElements, firstChild, is, parseXml, SAML_NS, text, XmlRefusedError, type XmlElement } from './xml';

/** Decoded SAMLResponse limit. Responses with a few hundred groups stay far below it. */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;
/** SAML bindings §3.4.3 / §3.5.3: RelayState MUST NOT exceed 80 bytes. */
export const MAX_RELAY_STATE_BYTES = 80;

const NAMEID_FORMAT_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const NAMEID_FORMAT_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const CONFIRMATION_BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface SamlServiceProviderOptions {
  /** This SP's entity ID for the organization (the Audience its assertions must name). */
  spEntityId: string;
  /** Assertion Consumer Service URL (HTTP-POST binding): the only Recipient/Destination accepted. */
  acsUrl: string;
  idp: ParsedIdpMetadata;
  requestIds: RequestIdStore;
  replay: AssertionReplayStore;
  /** Tolerated clock difference to the IdP for every time check. Default 60 s, at most 10 minutes. */
  clockSkewMs?: number;
  /** Refuse assertions issued longer ago than this (IssueInstant), whatever NotOnOrAfter says. Default 5 minutes. */
  maxAssertionAgeMs?: number;
  /** How long an AuthnRequest stays answerable (the user's time at the IdP's login). Default 15 minutes. */
  requestTtlMs?: number;
  /** NameIDPolicy Format requested in AuthnRequests and listed in SP metadata. Default emailAddress. */
  nameIdFormat?: string;
  /**
   * Accept IdP-initiated (unsolicited) responses, i.e. without InResponseTo. Default false: they
   * cannot be tied to a sign-in this SP started, which makes login CSRF and assertion injection easy.
   */
  allowUnsolicitedResponses?: boolean;
  /** SP signing key pair: required when the IdP wants signed AuthnRequests; listed in SP metadata. */
  signing?: { privateKeyPem: string; certificatePem: string };
}

/**
 * SP metadata without an IdP: what an organization's administrator hands the IdP administrator
 * before any IdP metadata exists (the IdP needs the SP's entity ID and ACS URL first).
 */
export function serviceProviderMetadataXml(options: { spEntityId: string; acsUrl: string; nameIdFormat?: string; signing?: { privateKeyPem: string; certificatePem: string } }): string {
  return generateServiceProviderMetadata({
    issuer: options.spEntityId,
    callbackUrl: options.acsUrl,
    identifierFormat: options.nameIdFormat ?? NAMEID_FORMAT_EMAIL,
    wantAssertionsSigned: true,
    ...(options.signing ? { privateKey: options.signing.privateKeyPem, publicCerts: [options.signing.certificatePem], signatureAlgorithm: 'sha256' as const } : {}),
  });
}

/** Who signed in, taken from the signed assertion only. */
export interface SamlIdentity {
  /** The IdP entity ID (equals the configured one). */
  issuer: string;
  nameId: string;
  /** NameID Format; SAML's default "unspecified" when the IdP omitted it. */
  nameIdFormat: string;
  sessionIndex?: string;
  /** AuthnStatement SessionNotOnOrAfter: the IdP's limit for the session it just started. */
  sessionNotOnOrAfter?: Date;
  /** Attribute Name → values (every attribute is multi-valued in SAML). */
  attributes: Record<string, string[]>;
  assertionId: string;
  /** The AuthnRequest this answers; undefined only for an accepted unsolicited response. */
  inResponseTo?: string;
}

export interface AuthorizeRequest {
  requestId: string;
}

/**
 * A SAML 2.0 service provider for one organization's SAML configuration (Web Browser SSO profile:
 * AuthnRequest over HTTP-Redirect or HTTP-POST, Response over HTTP-POST).
 *
 * Signature verification (and node-saml's own wrapping defences) is done by @node-saml/node-saml;
 * everything else is checked here on the signed assertion, because node-saml by itself checks no
 * Issuer, no Recipient and no Destination, keeps no replay cache, trusts an unsigned Response's
 * InResponseTo, and reports failures as untyped strings. Policy:
 *   - the assertion itself must be signed by a certificate from the IdP metadata (a signed Response
 *     around an unsigned assertion is refused); exactly one assertion per response, no encrypted
 *     assertions, no duplicate IDs, no DTD;
 *   - Issuer = IdP entity ID; Audience = spEntityId; bearer SubjectConfirmationData Recipient =
 *     acsUrl and Response Destination (when present) = acsUrl;
 *   - NotBefore / NotOnOrAfter of Conditions and SubjectConfirmationData, IssueInstant age and
 *     SessionNotOnOrAfter, each with `clockSkewMs`;
 *   - InResponseTo (from the signed SubjectConfirmationData) must name an outstanding AuthnRequest
 *     of this SP, consumed on use; unsolicited responses are refused unless allowed;
 *   - each assertion ID is accepted once, remembered until its latest NotOnOrAfter plus skew.
 */
export class SamlServiceProvider {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly idp: ParsedIdpMetadata;
  readonly clockSkewMs: number;
  readonly maxAssertionAgeMs: number;
  readonly requestTtlMs: number;
  readonly nameIdFormat: string;
  readonly allowUnsolicitedResponses: boolean;
  private readonly requestIds: RequestIdStore;
  private readonly replay: AssertionReplayStore;
  private readonly signing: { privateKeyPem: string; certificatePem: string } | undefined;

  constructor(options: SamlServiceProviderOptions) {
    if (!options.spEntityId?.trim()) throw new TypeError('SamlServiceProvider: spEntityId is required');
    if (!/^https?:\/\//i.test(options.acsUrl ?? '') || !URL.canParse(options.acsUrl)) throw new TypeError('SamlServiceProvider: acsUrl must be an absolute http(s) URL');
    if (!options.idp || options.idp.signingCertificates.length === 0) throw new TypeError('SamlServiceProvider: the IdP metadata has no signing certificate');
    const clockSkewMs = options.clockSkewMs ?? 60_000;
    if (!Number.isFinite(clockSkewMs) || clockSkewMs < 0 || clockSkewMs > 600_000) throw new RangeError('SamlServiceProvider: clockSkewMs must be between 0 and 600000');
    const maxAssertionAgeMs = options.maxAssertionAgeMs ?? 300_000;
    if (!Number.isFinite(maxAssertionAgeMs) || maxAssertionAgeMs <= 0) throw new RangeError('SamlServiceProvider: maxAssertionAgeMs must be positive');
    const requestTtlMs = options.requestTtlMs ?? 900_000;
    if (!Number.isFinite(requestTtlMs) || requestTtlMs <= 0) throw new RangeError('SamlServiceProvider: requestTtlMs must be positive');
    if (options.idp.wantAuthnRequestsSigned && !options.signing) {
      throw new TypeError(`SamlServiceProvider: the IdP ${options.idp.entityId} wants signed AuthnRequests (WantAuthnRequestsSigned); configure an SP signing key pair`);
    }
    this.spEntityId = options.spEntityId;
    this.acsUrl = options.acsUrl;
    this.idp = options.idp;
    this.clockSkewMs = clockSkewMs;
    this.maxAssertionAgeMs = maxAssertionAgeMs;
    this.requestTtlMs = requestTtlMs;
    this.nameIdFormat = options.nameIdFormat ?? NAMEID_FORMAT_EMAIL;
    this.allowUnsolicitedResponses = options.allowUnsolicitedResponses ?? false;
    this.requestIds = options.requestIds;
    this.replay = options.replay;
    this.signing = options.signing;
  }

  /** SP metadata for the IdP administrator: entity ID, ACS (HTTP-POST), NameID format, WantAssertionsSigned, signing certificate. */
  spMetadataXml(): string {
    return serviceProviderMetadataXml({ spEntityId: this.spEntityId, acsUrl: this.acsUrl, nameIdFormat: this.nameIdFormat, ...(this.signing ? { signing: this.signing } : {}) });
  }

  /** An SP-initiated sign-in over HTTP-Redirect: send the browser to `url`; the request ID is now outstanding. */
  async authorizeUrl(relayState?: string): Promise<AuthorizeRequest & { url: string }> {
    if (this.idp.ssoBinding !== 'redirect') {
      throw new Error(`the IdP ${this.idp.entityId} offers only the HTTP-POST binding for SingleSignOnService; use authorizePostForm()`);
    }
    const requestId = await this.newRequest(relayState);
    const url = await this.nodeSaml(requestId).getAuthorizeUrlAsync(relayState ?? '', undefined, {});
    return { url, requestId };
  }

  /** An SP-initiated sign-in over HTTP-POST: an auto-submitting HTML form for the browser. */
  async authorizePostForm(relayState?: string): Promise<AuthorizeRequest & { html: string }> {
    const requestId = await this.newRequest(relayState);
    const html = await this.nodeSaml(requestId).getAuthorizeFormAsync(relayState ?? '', undefined, {});
    return { html, requestId };
  }

  /**
   * Validates the SAMLResponse form field POSTed to the ACS URL and returns the identity it asserts.
   * `expectedRequestId` binds the response to the browser that started the sign-in (pass the ID
   * kept in that browser's cookie); InResponseTo must then equal it. Throws SamlError.
   */
  async validatePostResponse(samlResponse: string, options: { expectedRequestId?: string } = {}): Promise<SamlIdentity> {
    const xml = decodeSamlResponse(samlResponse);
    const response = parseOrRefuse(xml, 'the SAMLResponse');
    if (!is(response, SAML_NS.protocol, 'Response')) throw new SamlError('malformed', 'the SAMLResponse is not a SAML 2.0 samlp:Response');
    this.checkStatus(response);
    const assertion = this.checkStructure(response);

    const verifiedAssertionXml = await this.verifySignature(samlResponse, assertion);
    // From here on only the signed bytes are read: whatever else the document holds is ignored.
    const signed = parseOrRefuse(verifiedAssertionXml, 'the signed assertion');
    if (!is(signed, SAML_NS.assertion, 'Assertion')) throw new SamlError('bad-signature', 'the signature does not cover a SAML assertion');

    const now = Date.now();
    const assertionId = required(attribute(signed, 'ID'), 'the assertion has no ID');
    const issuer = text(required(firstChild(signed, SAML_NS.assertion, 'Issuer'), 'the assertion has no Issuer'));
    if (issuer !== this.idp.entityId) throw new SamlError('wrong-issuer', `the assertion was issued by another entity than the configured IdP ${this.idp.entityId}`);
    const responseIssuer = firstChild(response, SAML_NS.assertion, 'Issuer');
    if (responseIssuer && text(responseIssuer) !== this.idp.entityId) throw new SamlError('wrong-issuer', `the Response names another issuer than the configured IdP ${this.idp.entityId}`);
    const destination = attribute(response, 'Destination');
    if (destination !== undefined && destination !== this.acsUrl) throw new SamlError('wrong-recipient', `the Response Destination is not this SP's ACS URL ${this.acsUrl}`);

    const issueInstant = timestamp(attribute(signed, 'IssueInstant'), 'assertion IssueInstant');
    if (issueInstant - this.clockSkewMs > now) throw new SamlError('not-yet-valid', `the assertion's IssueInstant lies more than ${this.clockSkewMs} ms in the future`);
    if (issueInstant + this.maxAssertionAgeMs + this.clockSkewMs <= now) throw new SamlError('expired', `the assertion was issued more than ${this.maxAssertionAgeMs} ms ago`);

    const notOnOrAfters = [this.checkConditions(signed, now)];
    const subject = required(firstChild(signed, SAML_NS.assertion, 'Subject'), 'the assertion has no Subject');
    const confirmation = this.checkSubjectConfirmation(subject, now);
    notOnOrAfters.push(confirmation.notOnOrAfter);
    const authnStatement = required(firstChild(signed, SAML_NS.assertion, 'AuthnStatement'), 'the assertion has no AuthnStatement');
    const sessionNotOnOrAfterText = attribute(authnStatement, 'SessionNotOnOrAfter');
    const sessionNotOnOrAfter = sessionNotOnOrAfterText === undefined ? undefined : timestamp(sessionNotOnOrAfterText, 'SessionNotOnOrAfter');
    if (sessionNotOnOrAfter !== undefined && sessionNotOnOrAfter + this.clockSkewMs <= now) throw new SamlError('expired', 'the IdP session in the assertion (SessionNotOnOrAfter) has ended');

    const nameIdElement = firstChild(subject, SAML_NS.assertion, 'NameID');
    if (!nameIdElement) {
      const encrypted = firstChild(subject, SAML_NS.assertion, 'EncryptedID');
      throw new SamlError('malformed', encrypted ? 'encrypted NameIDs are not supported; configure the IdP not to encrypt the NameID' : 'the assertion Subject has no NameID');
    }
    const nameId = text(nameIdElement);
    if (nameId === '') throw new SamlError('malformed', 'the assertion NameID is empty');

    // InResponseTo: only the signed SubjectConfirmationData counts; an unsigned Response's attribute may disagree.
    const inResponseTo = confirmation.inResponseTo;
    const responseInResponseTo = attribute(response, 'InResponseTo');
    if (responseInResponseTo !== undefined && responseInResponseTo !== inResponseTo) {
      throw new SamlError('unknown-request', 'the Response InResponseTo differs from the one in the signed assertion');
    }
    if (inResponseTo === undefined && !this.allowUnsolicitedResponses) {
      throw new SamlError('unknown-request', 'unsolicited (IdP-initiated) responses are not accepted; start the sign-in at the SP');
    }
    if (options.expectedRequestId !== undefined && inResponseTo !== options.expectedRequestId) {
      throw new SamlError('unknown-request', 'the response answers another AuthnRequest than the one this browser started');
    }

    // Replay before request consumption: a second POST of the same response must say "replayed",
    // not "unknown request" (the first POST already consumed the request ID).
    const rememberUntil = new Date(Math.max(...notOnOrAfters, issueInstant + this.maxAssertionAgeMs) + this.clockSkewMs);
    if (!(await this.replay.markConsumed(issuer, assertionId, rememberUntil))) {
      throw new SamlError('replayed', 'this assertion was already used to sign in');
    }
    if (inResponseTo !== undefined && !(await this.requestIds.consume(inResponseTo, this.spEntityId))) {
      throw new SamlError('unknown-request', 'InResponseTo names no outstanding AuthnRequest of this SP (never issued, already answered or expired)');
    }

    const sessionIndex = attribute(authnStatement, 'SessionIndex');
    return {
      issuer,
      nameId,
      nameIdFormat: attribute(nameIdElement, 'Format') ?? NAMEID_FORMAT_UNSPECIFIED,
      ...(sessionIndex !== undefined ? { sessionIndex } : {}),
      ...(sessionNotOnOrAfter !== undefined ? { sessionNotOnOrAfter: new Date(sessionNotOnOrAfter) } : {}),
      attributes: readAttributes(signed),
      assertionId,
      ...(inResponseTo !== undefined ? { inResponseTo } : {}),
    };
  }

  private async newRequest(relayState: string | undefined): Promise<string> {
    if (relayState !== undefined && Buffer.byteLength(relayState, 'utf8') > MAX_RELAY_STATE_BYTES) {
      throw new RangeError(`RelayState must not exceed ${MAX_RELAY_STATE_BYTES} bytes (SAML bindings); keep the state server-side and pass a short key`);
    }
    // xs:ID must not start with a digit; 160 random bits make it unguessable.
    const requestId = `_${randomBytes(20).toString('hex')}`;
    await this.requestIds.save(requestId, this.spEntityId, new Date(Date.now() + this.requestTtlMs));
    return requestId;
  }

  /** A node-saml instance whose next AuthnRequest carries `requestId` (it is cheap: options only). */
  private nodeSaml(requestId?: string): SAML {
    const config: SamlConfig = {
      issuer: this.spEntityId,
      callbackUrl: this.acsUrl,
      entryPoint: this.idp.ssoRedirectUrl,
      idpCert: this.idp.signingCertificates,
      audience: false, // checked here, on the signed assertion, with a typed error
      acceptedClockSkewMs: -1, // likewise: all time checks are ours
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false, // many IdPs sign only the assertion; that one is required
      validateInResponseTo: ValidateInResponseTo.never, // ours, against the signed SubjectConfirmationData
      identifierFormat: this.nameIdFormat,
      // A RequestedAuthnContext of "PasswordProtectedTransport, exact" makes IdPs such as Entra ID
      // refuse users who signed in with MFA, a certificate or Windows auth; leave it to the IdP.
      disableRequestedAuthnContext: true,
      ...(requestId !== undefined ? { generateUniqueId: () => requestId } : {}),
      ...(this.signing ? { privateKey: this.signing.privateKeyPem, publicCert: this.signing.certificatePem, signatureAlgorithm: 'sha256' as const } : {}),
    };
    return new SAML(config);
  }

  private checkStatus(response: XmlElement): void {
    const status = firstChild(response, SAML_NS.protocol, 'Status');
    const codes: string[] = [];
    for (let code = status && firstChild(status, SAML_NS.protocol, 'StatusCode'); code; code = firstChild(code, SAML_NS.protocol, 'StatusCode')) {
      codes.push(attribute(code, 'Value') ?? '');
    }
    if (codes[0] === STATUS_SUCCESS) return;
    if (codes.length === 0) throw new SamlError('malformed', 'the Response has no Status/StatusCode');
    const short = codes.map((code) => code.replace(/^urn:oasis:names:tc:SAML:2\.0:status:/, '')).join('/');
    throw new SamlError('idp-status', `the IdP did not sign the user in: status ${short}`, codes);
  }

  /** The one plain assertion to verify; anything that could let a reader see another one is refused. */
  private checkStructure(response: XmlElement): XmlElement {
    const elements = allElements(response);
    if (elements.some((element) => is(element, SAML_NS.assertion, 'EncryptedAssertion'))) {
      throw new SamlError('malformed', 'encrypted assertions are not supported; configure the IdP not to encrypt assertions for this SP');
    }
    const assertions = elements.filter((element) => is(element, SAML_NS.assertion, 'Assertion'));
    if (assertions.length !== 1) {
      throw new SamlError(
        assertions.length === 0 ? 'malformed' : 'bad-signature',
        assertions.length === 0 ? 'the Response carries no assertion' : `the Response carries ${assertions.length} assertions; exactly one is accepted (signature-wrapping guard)`,
      );
    }
    const ids = new Set<string>();
    for (const element of elements) {
      for (let i = 0; i < element.attributes.length; i++) {
        const attr = element.attributes[i];
        if (!attr || !['ID', 'Id', 'id'].includes(attr.name)) continue;
        if (ids.has(attr.value)) throw new SamlError('bad-signature', 'two elements of the Response share one ID (signature-wrapping guard)');
        ids.add(attr.value);
      }
    }
    const assertion = assertions[0];
    if (!childElements(response, SAML_NS.assertion, 'Assertion').includes(assertion)) {
      throw new SamlError('bad-signature', 'the assertion is not a direct child of the Response (signature-wrapping guard)');
    }
    if (childElements(assertion, SAML_NS.xmldsig, 'Signature').length === 0) {
      throw new SamlError('unsigned', 'the assertion is not signed; the IdP must sign assertions (a signed Response alone is not accepted)');
    }
    return assertion;
  }

  /** node-saml verifies the assertion's signature against the IdP certificates and hands back the signed bytes. */
  private async verifySignature(samlResponse: string, assertion: XmlElement): Promise<string> {
    let assertionXml: string | undefined;
    try {
      const { profile } = await this.nodeSaml().validatePostResponseAsync({ SAMLResponse: samlResponse.replace(/\s+/g, '') });
      assertionXml = profile?.getAssertionXml?.();
    } catch (error) {
      if (error instanceof SamlStatusError) throw new SamlError('idp-status', 'the IdP did not sign the user in', [], { cause: error });
      const message = error instanceof Error ? error.message : String(error);
      const reason = /signature/i.test(message) ? 'does not verify against the IdP certificates' : 'could not be verified';
      const referenced = attribute(assertion, 'ID') === undefined ? ' (the assertion has no ID to reference)' : '';
      throw new SamlError('bad-signature', `the assertion's signature ${reason}${referenced}`, [], { cause: error });
    }
    if (!assertionXml) throw new SamlError('bad-signature', 'no signed assertion could be obtained from the response');
    return assertionXml;
  }

  /** Conditions: time window and audience. Returns NotOnOrAfter (ms) or -Infinity when absent. */
  private checkConditions(assertion: XmlElement, now: number): number {
    const conditionsList = childElements(assertion, SAML_NS.assertion, 'Conditions');
    if (conditionsList.length !== 1) throw new SamlError('malformed', conditionsList.length === 0 ? 'the assertion has no Conditions (audience restriction required)' : 'the assertion has several Conditions');
    const conditions = conditionsList[0];
    const notBefore = attribute(conditions, 'NotBefore');
    if (notBefore !== undefined && timestamp(notBefore, 'Conditions NotBefore') - this.clockSkewMs > now) {
      throw new SamlError('not-yet-valid', `the assertion is not valid yet (Conditions NotBefore is more than ${this.clockSkewMs} ms ahead)`);
    }
    const notOnOrAfterText = attribute(conditions, 'NotOnOrAfter');
    const notOnOrAfter = notOnOrAfterText === undefined ? -Infinity : timestamp(notOnOrAfterText, 'Conditions NotOnOrAfter');
    if (notOnOrAfter + this.clockSkewMs <= now) throw new SamlError('expired', 'the assertion has expired (Conditions NotOnOrAfter passed)');
    const restrictions = childElements(conditions, SAML_NS.assertion, 'AudienceRestriction');
    if (restrictions.length === 0) throw new SamlError('wrong-audience', `the assertion has no AudienceRestriction; it must name ${this.spEntityId}`);
    // Every AudienceRestriction must be satisfied (SAML core §2.5.1.4).
    for (const restriction of restrictions) {
      if (!childElements(restriction, SAML_NS.assertion, 'Audience').some((audience) => text(audience) === this.spEntityId)) {
        throw new SamlError('wrong-audience', `the assertion is meant for another audience than this SP (${this.spEntityId})`);
      }
    }
    return notOnOrAfter;
  }

  /** The bearer SubjectConfirmation that satisfies every check, or the first one's failure. */
  private checkSubjectConfirmation(subject: XmlElement, now: number): { notOnOrAfter: number; inResponseTo: string | undefined } {
    const bearers = childElements(subject, SAML_NS.assertion, 'SubjectConfirmation').filter((confirmation) => attribute(confirmation, 'Method') === CONFIRMATION_BEARER);
    if (bearers.length === 0) throw new SamlError('malformed', 'the assertion has no bearer SubjectConfirmation');
    let firstFailure: SamlError | undefined;
    for (const bearer of bearers) {
      try {
        const data = firstChild(bearer, SAML_NS.assertion, 'SubjectConfirmationData');
        if (!data) throw new SamlError('malformed', 'the bearer SubjectConfirmation has no SubjectConfirmationData');
        const recipient = attribute(data, 'Recipient');
        if (recipient !== this.acsUrl) throw new SamlError('wrong-recipient', `the assertion's Recipient is not this SP's ACS URL ${this.acsUrl}`);
        const notBefore = attribute(data, 'NotBefore');
        if (notBefore !== undefined && timestamp(notBefore, 'SubjectConfirmationData NotBefore') - this.clockSkewMs > now) {
          throw new SamlError('not-yet-valid', 'the subject confirmation is not valid yet (NotBefore)');
        }
        const notOnOrAfterText = attribute(data, 'NotOnOrAfter');
        if (notOnOrAfterText === undefined) throw new SamlError('malformed', 'the bearer SubjectConfirmationData has no NotOnOrAfter');
        const notOnOrAfter = timestamp(notOnOrAfterText, 'SubjectConfirmationData NotOnOrAfter');
        if (notOnOrAfter + this.clockSkewMs <= now) throw new SamlError('expired', 'the subject confirmation has expired (SubjectConfirmationData NotOnOrAfter passed)');
        return { notOnOrAfter, inResponseTo: attribute(data, 'InResponseTo') };
      } catch (error) {
        if (!(error instanceof SamlError)) throw error;
        firstFailure ??= error;
      }
    }
    throw firstFailure!;
  }
}

function decodeSamlResponse(samlResponse: string): string {
  if (typeof samlResponse !== 'string' || samlResponse.trim() === '') throw new SamlError('malformed', 'the SAMLResponse is empty');
  const base64 = samlResponse.replace(/\s+/g, '');
  if (base64.length > Math.ceil(MAX_SAML_RESPONSE_BYTES / 3) * 4) throw new SamlError('malformed', `the SAMLResponse is larger than ${MAX_SAML_RESPONSE_BYTES} bytes`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new SamlError('malformed', 'the SAMLResponse is not base64');
  return Buffer.from(base64, 'base64').toString('utf8');
}

function parseOrRefuse(xml: string, what: string): XmlElement {
  try {
    return parseXml(xml, what, MAX_SAML_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof XmlRefusedError) throw new SamlError('malformed', error.message);
    throw error;
  }
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new SamlError('malformed', message);
  return value;
}

/** xs:dateTime → ms. SAML requires UTC; a missing zone would be read as local time, so refuse it. */
function timestamp(value: string | undefined, what: string): number {
  if (value === undefined) throw new SamlError('malformed', `the ${what} is missing`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) throw new SamlError('malformed', `the ${what} is not an xs:dateTime with a time zone`);
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new SamlError('malformed', `the ${what} is not a valid date`);
  return time;
}

function readAttributes(assertion: XmlElement): Record<string, string[]> {
  const attributes: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const statement of childElements(assertion, SAML_NS.assertion, 'AttributeStatement')) {
    for (const element of childElements(statement, SAML_NS.assertion, 'Attribute')) {
      const name = attribute(element, 'Name');
      if (!name) continue;
      const values = childElements(element, SAML_NS.assertion, 'AttributeValue').map((value) => (value.textContent ?? '').trim());
      attributes[name] = [...(attributes[name] ?? []), ...values];
    }
  }
  return { ...attributes };
}
