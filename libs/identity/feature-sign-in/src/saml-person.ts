import type { ExternalIdentity } from '@stackyard/identity-domain';
import type { SamlIdentity } from '@stackyard/identity-saml';

export const DEFAULT_GROUPS_ATTRIBUTE = 'groups';

const NAMEID_TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
/** user_identities.subject and .username hold 255 characters; users.name and .email too. */
const MAX_TEXT = 255;

// The names IdPs commonly give these attributes: LDAP-style (SimpleSAMLphp, Keycloak, Okta, Google),
// the Microsoft claim URIs (Entra ID, ADFS) and the urn:oid forms (Shibboleth, eduPerson).
const EMAIL_ATTRIBUTES = ['mail', 'email', 'emailAddress', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3'];
const DISPLAY_NAME_ATTRIBUTES = ['displayName', 'http://schemas.microsoft.com/identity/claims/displayname', 'urn:oid:2.16.840.1.113730.3.1.241', 'cn', 'urn:oid:2.5.4.3'];
const GIVEN_NAME_ATTRIBUTES = ['givenName', 'firstName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', 'urn:oid:2.5.4.42'];
const SURNAME_ATTRIBUTES = ['sn', 'surname', 'lastName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname', 'urn:oid:2.5.4.4'];

export interface SamlAttributeSettings {
  /** The attribute whose values are the user's groups. */
  groupsAttribute: string;
  /** The attribute that names the user; null: the NameID does. */
  usernameAttribute: string | null;
}

/** The assertion cannot become a user (the IdP's configuration must change); the message says how. */
export class SamlPersonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamlPersonError';
  }
}

/**
 * The person a validated assertion vouches for. The NameID is the subject — the IdP's stable id for
 * the person — so it must not be transient (a new one at every sign-in would create a new user
 * each time). Username from the configured attribute or the NameID; name and e-mail from the
 * usual attributes; groups from the configured one, as plain names.
 */
export function samlPerson(identity: Pick<SamlIdentity, 'nameId' | 'nameIdFormat' | 'attributes'>, settings: SamlAttributeSettings): Omit<ExternalIdentity, 'provider'> {
  if (identity.nameIdFormat === NAMEID_TRANSIENT) {
    throw new SamlPersonError('the IdP sent a transient NameID, which changes at every sign-in; configure it to send a persistent or e-mail NameID');
  }
  const subject = identity.nameId.trim();
  if (subject === '' || subject.length > MAX_TEXT) throw new SamlPersonError(`the NameID must be 1–${MAX_TEXT} characters`);
  let username = subject;
  if (settings.usernameAttribute !== null) {
    const value = first(identity.attributes, [settings.usernameAttribute]);
    if (value === undefined) throw new SamlPersonError(`the assertion has no '${settings.usernameAttribute}' attribute, which is configured to name the user`);
    username = value;
  }
  if (username.length > MAX_TEXT) throw new SamlPersonError(`the username must be at most ${MAX_TEXT} characters`);
  const nameIdIsEmail = identity.nameIdFormat === NAMEID_EMAIL || /^[^\s@]+@[^\s@]+$/.test(subject);
  const email = first(identity.attributes, EMAIL_ATTRIBUTES) ?? (nameIdIsEmail ? subject : '');
  const given = first(identity.attributes, GIVEN_NAME_ATTRIBUTES);
  const surname = first(identity.attributes, SURNAME_ATTRIBUTES);
  const displayName = first(identity.attributes, DISPLAY_NAME_ATTRIBUTES) ?? [given, surname].filter(Boolean).join(' ');
  const groups = [...new Set((identity.attributes[settings.groupsAttribute] ?? []).map((value) => value.trim()).filter(Boolean))];
  return {
    subject,
    username,
    displayName: displayName.slice(0, MAX_TEXT),
    email: email.length <= MAX_TEXT ? email : '',
    groups: groups.map((group) => ({ id: group, name: group })),
  };
}

/** The first non-empty value of the first attribute present among `names`. */
function first(attributes: Record<string, string[]>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = attributes[name]?.map((v) => v.trim()).find(Boolean);
    if (value !== undefined) return value;
  }
  return undefined;
}
