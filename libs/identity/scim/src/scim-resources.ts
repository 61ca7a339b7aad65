import { canonicalResource, isJsonObject, type JsonObject } from './scim-attributes';
import { ScimError } from './scim-error';
import { GROUP_DEFINITION, GROUP_SCHEMA, USER_DEFINITION, USER_SCHEMA } from './scim-schemas';

/** Every text Stackyard stores from SCIM fits the identity tables' 255-character columns. */
export const MAX_TEXT = 255;
const MAX_EMAILS = 20;
const NOT_PRINTABLE = /[\u0000-\u001f\u007f]/;

export interface ScimEmail {
  value: string;
  type?: string;
  primary?: boolean;
}

/** What a SCIM User says about a person, as Stackyard keeps it. */
export interface ScimUserAttributes {
  /** The SAML NameID of the person: their subject at provider `saml:<org>`. */
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  formattedName: string | null;
  emails: ScimEmail[];
  /** null: never set, which counts as active. */
  active: boolean | null;
}

export interface ScimUserView extends ScimUserAttributes {
  id: string;
  created: number;
  lastModified: number;
}

export interface ScimGroupAttributes {
  displayName: string;
  externalId: string | null;
  /** Ids of the member users, without duplicates, in the order given. */
  members: string[];
}

export interface ScimGroupView extends ScimGroupAttributes {
  id: string;
  created: number;
  lastModified: number;
}

function text(value: unknown, field: string, options: { required?: boolean; max?: number } = {}): string | null {
  if (value === undefined || value === null) {
    if (options.required) throw ScimError.badRequest('invalidValue', `${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw ScimError.badRequest('invalidValue', `${field} must be a string`);
  const max = options.max ?? MAX_TEXT;
  if (value.length > max || NOT_PRINTABLE.test(value)) throw ScimError.badRequest('invalidValue', `${field} must be at most ${max} printable characters`);
  if (options.required && value.trim() === '') throw ScimError.badRequest('invalidValue', `${field} must not be empty`);
  return value;
}

/** Entra ID has sent booleans as the strings "True" / "False"; both forms are accepted. */
function boolean(value: unknown, field: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw ScimError.badRequest('invalidValue', `${field} must be true or false`);
}

function emails(value: unknown): ScimEmail[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_EMAILS) throw ScimError.badRequest('invalidValue', `at most ${MAX_EMAILS} emails`);
  const result = list.map((item: unknown, index): ScimEmail => {
    if (!isJsonObject(item)) throw ScimError.badRequest('invalidValue', `emails[${index}] must be an object with a value`);
    const email: ScimEmail = { value: text(item['value'], `emails[${index}].value`, { required: true })!.trim() };
    const type = text(item['type'], `emails[${index}].type`, { max: 64 });
    if (type !== null) email.type = type;
    const primary = boolean(item['primary'], `emails[${index}].primary`);
    if (primary !== null) email.primary = primary;
    return email;
  });
  if (result.filter((e) => e.primary === true).length > 1) throw ScimError.badRequest('invalidValue', 'at most one email may be primary');
  return result;
}

/** A User from its canonical JSON (a POST or PUT body after `canonicalResource`, or a patched resource). */
export function userAttributesFrom(resource: JsonObject): ScimUserAttributes {
  const name = resource['name'];
  if (name !== undefined && name !== null && !isJsonObject(name)) throw ScimError.badRequest('invalidValue', 'name must be an object');
  const parts = isJsonObject(name) ? name : {};
  return {
    userName: text(resource['userName'], 'userName', { required: true })!.trim(),
    externalId: text(resource['externalId'], 'externalId'),
    displayName: text(resource['displayName'], 'displayName'),
    givenName: text(parts['givenName'], 'name.givenName'),
    familyName: text(parts['familyName'], 'name.familyName'),
    formattedName: text(parts['formatted'], 'name.formatted'),
    emails: emails(resource['emails']),
    active: boolean(resource['active'], 'active'),
  };
}

/** A POST or PUT body: a JSON object naming the User schema. */
export function parseUserBody(body: unknown): ScimUserAttributes {
  return userAttributesFrom(canonicalResource(USER_DEFINITION, resourceBody(body, USER_SCHEMA)));
}

export function parseGroupBody(body: unknown): ScimGroupAttributes {
  return groupAttributesFrom(canonicalResource(GROUP_DEFINITION, resourceBody(body, GROUP_SCHEMA)));
}

function resourceBody(body: unknown, schema: string): JsonObject {
  if (!isJsonObject(body)) throw ScimError.badRequest('invalidSyntax', 'the request body must be a JSON object');
  const schemas = body['schemas'];
  // Strict servers require `schemas`; clients in the wild omit it, and the endpoint says what it is.
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === schema.toLowerCase()))) {
    throw ScimError.badRequest('invalidSyntax', `schemas must contain "${schema}"`);
  }
  return body;
}

export function groupAttributesFrom(resource: JsonObject): ScimGroupAttributes {
  const raw = resource['members'];
  const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  const members: string[] = [];
  list.forEach((item: unknown, index) => {
    if (!isJsonObject(item)) throw ScimError.badRequest('invalidValue', `members[${index}] must be an object with a value`);
    const id = text(item['value'], `members[${index}].value`, { required: true })!;
    const type = item['type'];
    if (type !== undefined && type !== null && (typeof type !== 'string' || type.toLowerCase() !== 'user')) {
      throw ScimError.badRequest('invalidValue', `members[${index}].type must be User: groups do not nest`);
    }
    if (!members.includes(id)) members.push(id);
  });
  return {
    displayName: text(resource['displayName'], 'displayName', { required: true })!.trim(),
    externalId: text(resource['externalId'], 'externalId'),
    members,
  };
}

/** The name Stackyard shows for the user: the display name, else the name's parts, else the userName. */
export function userDisplayName(user: ScimUserAttributes): string {
  const parts = [user.givenName, user.familyName].filter((p): p is string => !!p && p.trim() !== '').join(' ');
  return (user.displayName?.trim() || user.formattedName?.trim() || parts || user.userName).slice(0, MAX_TEXT);
}

/** The user's e-mail: the primary address, else the first; '' when there is none. */
export function userEmail(user: ScimUserAttributes): string {
  return (user.emails.find((e) => e.primary === true) ?? user.emails[0])?.value ?? '';
}

export function isActive(user: Pick<ScimUserAttributes, 'active'>): boolean {
  return user.active !== false;
}

const iso = (millis: number) => new Date(millis).toISOString();

/** The User as SCIM JSON without `meta` and `id`: what PATCH operations are applied to. */
export function userResource(user: ScimUserAttributes): JsonObject {
  const resource: JsonObject = { schemas: [USER_SCHEMA], userName: user.userName };
  if (user.externalId !== null) resource['externalId'] = user.externalId;
  const name: JsonObject = {};
  if (user.formattedName !== null) name['formatted'] = user.formattedName;
  if (user.familyName !== null) name['familyName'] = user.familyName;
  if (user.givenName !== null) name['givenName'] = user.givenName;
  if (Object.keys(name).length > 0) resource['name'] = name;
  if (user.displayName !== null) resource['displayName'] = user.displayName;
  if (user.emails.length > 0) resource['emails'] = user.emails.map((e) => ({ ...e }));
  if (user.active !== null) resource['active'] = user.active;
  return resource;
}

export function renderUser(user: ScimUserView, baseUrl: string): JsonObject {
  const location = `${baseUrl}/Users/${user.id}`;
  return { ...userResource(user), id: user.id, meta: { resourceType: 'User', created: iso(user.created), lastModified: iso(user.lastModified), location } };
}

export function groupResource(group: ScimGroupAttributes, baseUrl: string): JsonObject {
  const resource: JsonObject = { schemas: [GROUP_SCHEMA], displayName: group.displayName };
  if (group.externalId !== null) resource['externalId'] = group.externalId;
  if (group.members.length > 0) resource['members'] = group.members.map((id) => ({ value: id, $ref: `${baseUrl}/Users/${id}`, type: 'User' }));
  return resource;
}

export function renderGroup(group: ScimGroupView, baseUrl: string): JsonObject {
  const location = `${baseUrl}/Groups/${group.id}`;
  return { ...groupResource(group, baseUrl), id: group.id, meta: { resourceType: 'Group', created: iso(group.created), lastModified: iso(group.lastModified), location } };
}

/**
 * The team name a group's displayName gives: lowercase letters, digits, `.`, `_` and `-`, as team
 * names are (`Platform Engineers` → `platform-engineers`); `group` when nothing is left.
 */
export function baseTeamName(displayName: string): string {
  const cleaned = displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[._-]+$/, '');
  return cleaned === '' ? 'group' : cleaned;
}

/** `platform`, `platform-2`, …: each at most 64 characters. */
export function* teamNameCandidates(displayName: string): Generator<string> {
  const base = baseTeamName(displayName);
  yield base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    yield base.slice(0, 64 - suffix.length) + suffix;
  }
}
