/**
 * What Stackyard's SCIM service stores and publishes (RFC 7643): the User and Group attributes it
 * keeps, as schema definitions. The same definitions drive /Schemas, PATCH path resolution,
 * filters and `attributes` projection, so what a client discovers is exactly what works.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type ScimAttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime' | 'integer';
export type ScimMutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface ScimAttribute {
  name: string;
  type: ScimAttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: ScimMutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: ScimAttribute[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

/** A resource type as the rules see it: its core schema and every attribute, common ones included. */
export interface ScimResourceDefinition {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  schema: string;
  description: string;
  /** The schema's own attributes (what /Schemas publishes). */
  attributes: ScimAttribute[];
}

const attribute = (name: string, description: string, overrides: Partial<ScimAttribute> = {}): ScimAttribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...overrides,
});

/** RFC 7643 §3.1: on every resource, outside the schema's own attributes. */
export const COMMON_ATTRIBUTES: ScimAttribute[] = [
  attribute('id', 'Unique identifier of the resource, assigned by Stackyard.', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  attribute('externalId', "The provisioning client's identifier for the resource.", { caseExact: true }),
  attribute('meta', 'Resource metadata.', {
    type: 'complex',
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'The resource type.', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'When the resource was created.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('lastModified', 'When the resource was last changed.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('location', 'The URI of the resource.', { type: 'reference', referenceTypes: ['uri'], caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

export const USER_DEFINITION: ScimResourceDefinition = {
  name: 'User',
  endpoint: '/Users',
  schema: USER_SCHEMA,
  description: 'An organization-managed user; userName is the SAML NameID the organization’s IdP sends for the person.',
  attributes: [
    attribute('userName', 'The SAML NameID of the person (their subject at the organization’s IdP). Set at creation; it cannot change afterwards.', {
      required: true,
      mutability: 'immutable',
      uniqueness: 'server',
    }),
    attribute('name', 'The components of the user’s name.', {
      type: 'complex',
      subAttributes: [
        attribute('formatted', 'The full name, formatted for display.'),
        attribute('familyName', 'The family name.'),
        attribute('givenName', 'The given name.'),
      ],
    }),
    attribute('displayName', 'The name shown for the user.'),
    attribute('emails', 'E-mail addresses; the primary one (or the first) becomes the user’s e-mail.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attribute('value', 'The e-mail address.'),
        attribute('type', 'The kind of address.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'Whether this is the primary address.', { type: 'boolean' }),
      ],
    }),
    attribute('active', 'Whether the user may sign in. false revokes their sessions and access tokens and refuses their sign-ins.', { type: 'boolean' }),
  ],
};

export const GROUP_DEFINITION: ScimResourceDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  schema: GROUP_SCHEMA,
  description: 'A team of the organization whose members the IdP manages (a `scim` team).',
  attributes: [
    attribute('displayName', 'The group’s name; the team’s name is derived from it when the group is created.', { required: true, uniqueness: 'server' }),
    attribute('members', 'Users of the organization provisioned through SCIM.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attribute('value', 'The id of a SCIM-provisioned User.', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'The URI of the User.', { type: 'reference', referenceTypes: ['User'], caseExact: true, mutability: 'immutable' }),
        attribute('type', 'Always User: groups do not nest.', { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
    }),
  ],
};

export const RESOURCE_DEFINITIONS: readonly ScimResourceDefinition[] = [USER_DEFINITION, GROUP_DEFINITION];

/** The attribute `name` of a resource (common or own), matched case-insensitively as RFC 7643 §2.1 says. */
export function findAttribute(definition: ScimResourceDefinition, name: string): ScimAttribute | undefined {
  const wanted = name.toLowerCase();
  return definition.attributes.find((a) => a.name.toLowerCase() === wanted) ?? COMMON_ATTRIBUTES.find((a) => a.name.toLowerCase() === wanted);
}

export function findSubAttribute(parent: ScimAttribute, name: string): ScimAttribute | undefined {
  const wanted = name.toLowerCase();
  return parent.subAttributes?.find((a) => a.name.toLowerCase() === wanted);
}

// ---- discovery documents (RFC 7644 §4) -----------------------------------------------------

/** The largest page a list answers; also what `filter.maxResults` announces. */
export const MAX_RESULTS = 1000;
/** A list without `count` answers this many resources per page. */
export const DEFAULT_PAGE_SIZE = 100;

export function serviceProviderConfig(baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'The organization’s SCIM token (Authorization: Bearer …), created by an organization admin and shown once.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypeDocument(definition: ScimResourceDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: definition.name,
    name: definition.name,
    endpoint: definition.endpoint,
    description: definition.description,
    schema: definition.schema,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${definition.name}` },
  };
}

export function schemaDocument(definition: ScimResourceDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: definition.schema,
    name: definition.name,
    description: definition.description,
    attributes: definition.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${definition.schema}` },
  };
}

function attributeDocument(a: ScimAttribute): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
  };
  if (a.canonicalValues) doc['canonicalValues'] = a.canonicalValues;
  if (a.referenceTypes) doc['referenceTypes'] = a.referenceTypes;
  if (a.subAttributes) doc['subAttributes'] = a.subAttributes.map(attributeDocument);
  return doc;
}

export function listResponse(resources: unknown[], totalResults: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
