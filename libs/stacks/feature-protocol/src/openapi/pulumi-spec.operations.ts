import { int, type SchemaObject, str } from './json-schema';

export type HttpMethod = 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete';

/**
 * How a route authenticates, as its controller declares it (`auth.decorators.ts`); `scim-bearer` is
 * the organization's SCIM token, checked by identity (the api's guard treats SCIM as public).
 */
export type OperationAuth = 'token' | 'update-token' | 'token-or-update-token' | 'public' | 'scim-bearer';

/** A response body: a schema name under `#/components/schemas`, or an inline schema. */
export type BodySchema = string | SchemaObject;

export interface QueryParameter {
  name: string;
  schema: SchemaObject;
  description?: string;
}

/**
 * One operation of the api, in Pulumi's terms. Adding a route to a controller means adding one of
 * these; the completeness test (`pulumi-spec.integration-spec.ts`) fails until the two agree.
 */
export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI path template with Pulumi's parameter names (`{orgName}`, `{stackName}`, …). */
  path: string;
  /** Pulumi's operationId where Pulumi has the operation (pulumi-cloud-sdk method names). */
  operationId: string;
  tag: 'Miscellaneous' | 'Users' | 'Stacks' | 'StackUpdates' | 'StackSecrets' | 'AccessTokens' | 'Organizations' | 'Teams' | 'Roles' | 'AuditLogs' | 'OIDC' | 'SCIM';
  summary: string;
  description?: string;
  auth: OperationAuth;
  query?: QueryParameter[];
  /** Request body: JSON by default. */
  body?: { schema: BodySchema; contentType?: string; required?: boolean; description?: string };
  /** The successful answer; no schema means no body (204, or an empty HEAD answer). */
  ok: { status: number; schema?: BodySchema; contentType?: string; description?: string };
  /** Client errors this operation answers besides the common ones (400, 401, 404 for token routes). */
  errors?: number[];
  /** Set on Stackyard's own operations, which Pulumi Cloud does not have. */
  stackyardOnly?: true;
}

const continuationToken: QueryParameter = { name: 'continuationToken', schema: str(), description: 'Opaque token of the next page, as the previous page answered it.' };
const tokenFilter: QueryParameter[] = [
  { name: 'filter', schema: str(undefined, { enum: ['all'] }), description: '`all` also lists tokens that have expired.' },
  { name: 'show_expired', schema: { type: 'boolean' }, description: 'Older spelling of `filter=all`.' },
];
const auditLogQuery: QueryParameter[] = [
  continuationToken,
  { name: 'startTime', schema: int(), description: 'Unix seconds: v1 lists events before it (upper bound); v2 from it (lower bound).' },
  { name: 'endTime', schema: int(), description: 'v2: unix seconds, upper bound.' },
  { name: 'userFilter', schema: str(), description: 'Only events of this login.' },
  { name: 'eventFilter', schema: str(), description: 'v2: only events of this type.' },
];
const exportFormat: QueryParameter = { name: 'format', schema: str(undefined, { enum: ['csv', 'cef'] }), description: 'File format (gzip-encoded).' };
const stack = '/api/stacks/{orgName}/{projectName}/{stackName}';
const update = `${stack}/update/{updateID}`;
const empty = 'EmptyObject';

const cliUpdateKinds = ['update', 'preview', 'refresh', 'destroy'] as const;
const createUpdateOperations: ApiOperation[] = cliUpdateKinds.map((kind) => ({
  method: 'post',
  path: `${stack}/${kind}`,
  operationId: `CreateUpdateFor${kind[0].toUpperCase()}${kind.slice(1)}`,
  tag: 'StackUpdates',
  summary: `Create a ${kind} of the stack (the CLI then starts it)`,
  auth: 'token',
  body: { schema: 'UpdateProgramRequest' },
  ok: { status: 200, schema: 'UpdateProgramResponse' },
  errors: [403, 409],
}));

const scimResources = (resource: 'Users' | 'Groups'): ApiOperation[] => [
  { method: 'get', path: `/scim/v2/{orgName}/${resource}`, operationId: `ScimList${resource}`, tag: 'SCIM', summary: `List or filter ${resource} (RFC 7644 §3.4.2)`, auth: 'scim-bearer', ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'post', path: `/scim/v2/{orgName}/${resource}`, operationId: `ScimCreate${resource.slice(0, -1)}`, tag: 'SCIM', summary: `Provision a ${resource.slice(0, -1).toLowerCase()} (RFC 7644 §3.3)`, auth: 'scim-bearer', body: { schema: 'ScimResource', contentType: 'application/scim+json' }, ok: { status: 201, schema: 'ScimResource', contentType: 'application/scim+json' }, errors: [409], stackyardOnly: true },
  { method: 'post', path: `/scim/v2/{orgName}/${resource}/.search`, operationId: `ScimSearch${resource}`, tag: 'SCIM', summary: `Search ${resource} with a body (RFC 7644 §3.4.3)`, auth: 'scim-bearer', body: { schema: 'ScimResource', contentType: 'application/scim+json' }, ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'get', path: `/scim/v2/{orgName}/${resource}/{id}`, operationId: `ScimGet${resource.slice(0, -1)}`, tag: 'SCIM', summary: `One ${resource.slice(0, -1).toLowerCase()}`, auth: 'scim-bearer', ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'put', path: `/scim/v2/{orgName}/${resource}/{id}`, operationId: `ScimReplace${resource.slice(0, -1)}`, tag: 'SCIM', summary: `Replace a ${resource.slice(0, -1).toLowerCase()}`, auth: 'scim-bearer', body: { schema: 'ScimResource', contentType: 'application/scim+json' }, ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'patch', path: `/scim/v2/{orgName}/${resource}/{id}`, operationId: `ScimPatch${resource.slice(0, -1)}`, tag: 'SCIM', summary: `Patch a ${resource.slice(0, -1).toLowerCase()} (RFC 7644 §3.5.2)`, auth: 'scim-bearer', body: { schema: 'ScimResource', contentType: 'application/scim+json' }, ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'delete', path: `/scim/v2/{orgName}/${resource}/{id}`, operationId: `ScimDelete${resource.slice(0, -1)}`, tag: 'SCIM', summary: `Deprovision a ${resource.slice(0, -1).toLowerCase()}`, auth: 'scim-bearer', ok: { status: 204 }, stackyardOnly: true },
];

/** Every public operation of the api, in the order the document lists them. */
export const PULUMI_SPEC_OPERATIONS: ApiOperation[] = [
  // ---- discovery and the caller ---------------------------------------------------------------------
  { method: 'get', path: '/api/capabilities', operationId: 'Capabilities', tag: 'Miscellaneous', summary: 'What this server supports (delta checkpoints, batch encryption, deployment schema)', auth: 'public', ok: { status: 200, schema: 'CapabilitiesResponse' } },
  { method: 'get', path: '/api/openapi/pulumi-spec.json', operationId: 'FetchRestSpecification', tag: 'Miscellaneous', summary: 'This document', auth: 'public', ok: { status: 200, schema: { type: 'object' } } },
  { method: 'get', path: '/api/user', operationId: 'GetCurrentUser', tag: 'Users', summary: 'The caller', auth: 'token', ok: { status: 200, schema: 'User' } },
  { method: 'get', path: '/api/user/organizations/default', operationId: 'GetDefaultOrganization', tag: 'Users', summary: "The caller's default organization", auth: 'token', ok: { status: 200, schema: 'GetDefaultOrganizationResponse' } },
  {
    method: 'get',
    path: '/api/user/stacks',
    operationId: 'ListUserStacks',
    tag: 'Stacks',
    summary: 'The stacks the caller may read',
    auth: 'token',
    query: [
      { name: 'organization', schema: str() },
      { name: 'project', schema: str() },
      { name: 'tagName', schema: str() },
      { name: 'tagValue', schema: str() },
      continuationToken,
    ],
    ok: { status: 200, schema: 'ListStacksResponse' },
  },

  // ---- stacks -------------------------------------------------------------------------------------------
  { method: 'head', path: '/api/stacks/{orgName}/{projectName}', operationId: 'ProjectExists', tag: 'Stacks', summary: 'Whether the project has a stack the caller can see', auth: 'token', ok: { status: 200 } },
  { method: 'post', path: '/api/stacks/{orgName}/{projectName}', operationId: 'CreateStack', tag: 'Stacks', summary: 'Create a stack', auth: 'token', body: { schema: 'CreateStackRequest' }, ok: { status: 200, schema: 'CreateStackResponse' }, errors: [403, 409] },
  { method: 'get', path: stack, operationId: 'GetStack', tag: 'Stacks', summary: 'One stack', auth: 'token', ok: { status: 200, schema: 'Stack' } },
  {
    method: 'delete',
    path: stack,
    operationId: 'DeleteStack',
    tag: 'Stacks',
    summary: 'Delete a stack',
    auth: 'token',
    query: [{ name: 'force', schema: { type: 'boolean' }, description: 'Delete even if the stack still has resources.' }],
    ok: { status: 204 },
    errors: [403, 409],
  },
  { method: 'post', path: `${stack}/rename`, operationId: 'RenameStack', tag: 'Stacks', summary: 'Rename a stack (and/or move it to another project)', auth: 'token', body: { schema: 'StackRenameRequest' }, ok: { status: 204 }, errors: [403, 409] },
  { method: 'post', path: `${stack}/transfer`, operationId: 'TransferStack', tag: 'Stacks', summary: 'Move a stack to another organization', auth: 'token', body: { schema: 'TransferStackRequest' }, ok: { status: 204 }, errors: [403, 409] },
  { method: 'patch', path: `${stack}/tags`, operationId: 'UpdateStackTags', tag: 'Stacks', summary: 'Replace all tags of a stack', auth: 'token', body: { schema: 'StackTags' }, ok: { status: 204 }, errors: [403] },
  { method: 'post', path: `${stack}/tags`, operationId: 'AddStackTag', tag: 'Stacks', summary: 'Set one tag', auth: 'token', body: { schema: 'StackTag' }, ok: { status: 204 }, errors: [403] },
  { method: 'delete', path: `${stack}/tags/{tagName}`, operationId: 'DeleteStackTag', tag: 'Stacks', summary: 'Remove one tag', auth: 'token', ok: { status: 204 }, errors: [403] },
  { method: 'get', path: `${stack}/export`, operationId: 'ExportStack', tag: 'Stacks', summary: 'The current state', auth: 'token', ok: { status: 200, schema: 'UntypedDeployment' } },
  { method: 'get', path: `${stack}/export/{version}`, operationId: 'ExportStackAtVersion', tag: 'Stacks', summary: 'The state as a past update left it', auth: 'token', ok: { status: 200, schema: 'UntypedDeployment' } },
  { method: 'post', path: `${stack}/import`, operationId: 'ImportStack', tag: 'Stacks', summary: 'Replace the state', auth: 'token', body: { schema: 'UntypedDeployment' }, ok: { status: 200, schema: 'ImportStackResponse' }, errors: [403, 409, 413] },
  {
    method: 'get',
    path: `${stack}/updates`,
    operationId: 'GetStackUpdates',
    tag: 'Stacks',
    summary: 'Update history, newest first',
    auth: 'token',
    query: [
      { name: 'page', schema: { type: 'integer', minimum: 1 } },
      { name: 'pageSize', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
    ],
    ok: { status: 200, schema: 'GetStackUpdatesResponse' },
  },
  { method: 'get', path: `${stack}/updates/latest`, operationId: 'GetLatestStackUpdate', tag: 'Stacks', summary: 'The latest update', auth: 'token', ok: { status: 200, schema: 'GetLatestStackUpdateResponse' } },

  // ---- the update lifecycle (the CLI's protocol) --------------------------------------------------------
  ...createUpdateOperations,
  { method: 'post', path: update, operationId: 'StartUpdateForUpdate', tag: 'StackUpdates', summary: 'Start an update (any kind): take the lease', auth: 'token', body: { schema: 'StartUpdateRequest' }, ok: { status: 200, schema: 'StartUpdateResponse' }, errors: [403, 409] },
  { method: 'get', path: update, operationId: 'GetUpdateStatusForUpdate', tag: 'StackUpdates', summary: 'Status of an update', auth: 'token', ok: { status: 200, schema: 'UpdateResults' } },
  {
    method: 'get',
    path: `${update}/events`,
    operationId: 'GetEngineEvents_update',
    tag: 'StackUpdates',
    summary: 'Engine events of an update, in pages',
    auth: 'token',
    query: [continuationToken, { name: 'type', schema: str(), description: 'Only events of this kind (repeatable).' }, { name: 'urn', schema: str(), description: 'Only events about this resource.' }],
    ok: { status: 200, schema: 'GetUpdateEventsResponse' },
  },
  { method: 'post', path: `${update}/cancel`, operationId: 'CancelUpdate_update', tag: 'StackUpdates', summary: 'Cancel a running update', auth: 'token', ok: { status: 200, schema: empty }, errors: [403, 409] },
  { method: 'post', path: `${update}/renew_lease`, operationId: 'RenewUpdateLease_update', tag: 'StackUpdates', summary: 'Extend the lease', auth: 'update-token', body: { schema: 'RenewUpdateLeaseRequest' }, ok: { status: 200, schema: 'RenewUpdateLeaseResponse' }, errors: [409] },
  { method: 'patch', path: `${update}/checkpoint`, operationId: 'PatchUpdateCheckpoint_update', tag: 'StackUpdates', summary: 'Save the whole state', auth: 'update-token', body: { schema: 'PatchUpdateCheckpointRequest' }, ok: { status: 200, schema: empty }, errors: [409, 413] },
  {
    method: 'patch',
    path: `${update}/checkpointverbatim`,
    operationId: 'PatchUpdateVerbatimCheckpoint_update',
    tag: 'StackUpdates',
    summary: 'Save the exact state text (the delta baseline)',
    auth: 'update-token',
    body: { schema: 'PatchUpdateVerbatimCheckpointRequest' },
    ok: { status: 200, schema: empty },
    errors: [409, 413],
  },
  { method: 'patch', path: `${update}/checkpointdelta`, operationId: 'PatchUpdateCheckpointDelta_update', tag: 'StackUpdates', summary: 'Save byte edits to the baseline', auth: 'update-token', body: { schema: 'PatchUpdateCheckpointDeltaRequest' }, ok: { status: 200, schema: empty }, errors: [409, 413] },
  { method: 'patch', path: `${update}/journalentries`, operationId: 'CreateJournalEntries_update', tag: 'StackUpdates', summary: 'Append journal entries (a 413 makes the CLI halve the batch)', auth: 'update-token', body: { schema: 'JournalEntries' }, ok: { status: 200, schema: empty }, errors: [409, 413] },
  { method: 'post', path: `${update}/events/batch`, operationId: 'RecordEngineEventBatch_update', tag: 'StackUpdates', summary: 'Record engine events', auth: 'update-token', body: { schema: 'EngineEventBatch' }, ok: { status: 200, schema: empty }, errors: [409] },
  { method: 'post', path: `${update}/complete`, operationId: 'CompleteUpdate_update', tag: 'StackUpdates', summary: 'Finish the update and release the lease', auth: 'update-token', body: { schema: 'CompleteUpdateRequest' }, ok: { status: 200, schema: empty }, errors: [409] },

  // ---- the service secrets manager ------------------------------------------------------------------------
  { method: 'post', path: `${stack}/encrypt`, operationId: 'EncryptValue', tag: 'StackSecrets', summary: 'Encrypt a value with the stack key', auth: 'token-or-update-token', body: { schema: 'EncryptValueRequest' }, ok: { status: 200, schema: 'EncryptValueResponse' }, errors: [403] },
  { method: 'post', path: `${stack}/decrypt`, operationId: 'DecryptValue', tag: 'StackSecrets', summary: 'Decrypt a value (audited)', auth: 'token-or-update-token', body: { schema: 'DecryptValueRequest' }, ok: { status: 200, schema: 'DecryptValueResponse' } },
  { method: 'post', path: `${stack}/batch-encrypt`, operationId: 'BatchEncryptValue', tag: 'StackSecrets', summary: 'Encrypt many values', auth: 'token-or-update-token', body: { schema: 'BatchEncryptRequest' }, ok: { status: 200, schema: 'BatchEncryptResponse' }, errors: [403] },
  { method: 'post', path: `${stack}/batch-decrypt`, operationId: 'BatchDecryptValue', tag: 'StackSecrets', summary: 'Decrypt many values (audited)', auth: 'token-or-update-token', body: { schema: 'BatchDecryptRequest' }, ok: { status: 200, schema: 'BatchDecryptResponse' } },
  { method: 'post', path: `${stack}/decrypt/log-decryption`, operationId: 'LogOnlyDecryptValue', tag: 'StackSecrets', summary: 'Record a decryption made elsewhere', auth: 'token-or-update-token', body: { schema: 'Log3rdPartyDecryptionEvent' }, ok: { status: 200, schema: empty } },
  { method: 'post', path: `${stack}/decrypt/log-batch-decryption`, operationId: 'LogOnlyBatchDecryptValue', tag: 'StackSecrets', summary: 'Record a batch decryption made elsewhere', auth: 'token-or-update-token', body: { schema: 'Log3rdPartyDecryptionEvent' }, ok: { status: 200, schema: empty } },

  // ---- who has access to a stack ----------------------------------------------------------------------------
  {
    method: 'get',
    path: `${stack}/access`,
    operationId: 'ExplainMyStackAccess',
    tag: 'Stacks',
    summary: "The caller's effective access to a stack, with every reason",
    auth: 'token',
    ok: { status: 200, schema: 'StackAccessExplanation' },
    stackyardOnly: true,
  },
  {
    method: 'get',
    path: '/api/console/orgs/{orgName}/members/{userLogin}/stacks/{projectName}/{stackName}',
    operationId: 'ListMemberStackPermissions',
    tag: 'Stacks',
    summary: "A member's effective permission on a stack, with every reason",
    description: 'Stackyard answers its own explanation shape (see `StackAccessExplanation`), not Pulumi’s `ListMemberStackPermissionsResponse`.',
    auth: 'token',
    ok: { status: 200, schema: 'StackAccessExplanation' },
    errors: [403],
  },
  { method: 'get', path: `${stack}/teams`, operationId: 'ListStackTeams', tag: 'Stacks', summary: 'Teams with a permission on the stack', auth: 'token', ok: { status: 200, schema: 'ListTeamsByStackResponse' } },
  {
    method: 'patch',
    path: '/api/console/stacks/{orgName}/{projectName}/{stackName}/teams/{teamName}',
    operationId: 'UpdateTeamStackPermissions',
    tag: 'Stacks',
    summary: "Set one team's permission on the stack (0 removes it)",
    auth: 'token',
    body: { schema: 'UpdateTeamStackPermissionsRequest' },
    ok: { status: 204 },
    errors: [403],
  },
  { method: 'get', path: `${stack}/collaborators`, operationId: 'ListStackPermissions', tag: 'Stacks', summary: 'People with their own permission on the stack', auth: 'token', ok: { status: 200, schema: 'StackCollaboratorsResponse' } },
  { method: 'post', path: `${stack}/collaborators`, operationId: 'AddStackCollaborator', tag: 'Stacks', summary: 'Give a person a permission on the stack', auth: 'token', body: { schema: 'AddStackCollaboratorRequest' }, ok: { status: 204 }, errors: [403], stackyardOnly: true },
  { method: 'patch', path: `${stack}/collaborators/{userName}`, operationId: 'UpdateStackCollaborator', tag: 'Stacks', summary: "Change a person's permission on the stack", auth: 'token', body: { schema: 'UpdateStackCollaboratorRequest' }, ok: { status: 204 }, errors: [403], stackyardOnly: true },
  { method: 'delete', path: `${stack}/collaborators/{userName}`, operationId: 'DeleteStackPermission', tag: 'Stacks', summary: "Remove a person's own permission on the stack", auth: 'token', ok: { status: 204 }, errors: [403] },

  // ---- access tokens ------------------------------------------------------------------------------------------
  { method: 'get', path: '/api/user/tokens', operationId: 'ListPersonalTokens', tag: 'AccessTokens', summary: "The caller's personal tokens", auth: 'token', query: tokenFilter, ok: { status: 200, schema: 'ListAccessTokensResponse' } },
  { method: 'post', path: '/api/user/tokens', operationId: 'CreatePersonalToken', tag: 'AccessTokens', summary: 'Create a personal token', auth: 'token', body: { schema: 'CreatePersonalAccessTokenRequest' }, ok: { status: 200, schema: 'CreateAccessTokenResponse' } },
  { method: 'delete', path: '/api/user/tokens/{tokenId}', operationId: 'DeletePersonalToken', tag: 'AccessTokens', summary: 'Revoke a personal token', auth: 'token', ok: { status: 204 } },
  { method: 'get', path: '/api/orgs/{orgName}/tokens', operationId: 'ListOrgTokens', tag: 'AccessTokens', summary: "The organization's tokens", auth: 'token', query: tokenFilter, ok: { status: 200, schema: 'ListAccessTokensResponse' }, errors: [403] },
  { method: 'post', path: '/api/orgs/{orgName}/tokens', operationId: 'CreateOrgToken', tag: 'AccessTokens', summary: 'Create an organization token', auth: 'token', body: { schema: 'CreateOrgAccessTokenRequest' }, ok: { status: 200, schema: 'CreateAccessTokenResponse' }, errors: [403, 409] },
  { method: 'delete', path: '/api/orgs/{orgName}/tokens/{tokenId}', operationId: 'DeleteOrgToken', tag: 'AccessTokens', summary: 'Revoke an organization token (its name stays taken)', auth: 'token', ok: { status: 204 }, errors: [403] },
  { method: 'get', path: '/api/orgs/{orgName}/teams/{teamName}/tokens', operationId: 'ListTeamTokens', tag: 'AccessTokens', summary: "A team's tokens", auth: 'token', query: tokenFilter, ok: { status: 200, schema: 'ListAccessTokensResponse' }, errors: [403] },
  { method: 'post', path: '/api/orgs/{orgName}/teams/{teamName}/tokens', operationId: 'CreateTeamToken', tag: 'AccessTokens', summary: 'Create a team token', auth: 'token', body: { schema: 'CreateTeamAccessTokenRequest' }, ok: { status: 200, schema: 'CreateAccessTokenResponse' }, errors: [403, 409] },
  { method: 'delete', path: '/api/orgs/{orgName}/teams/{teamName}/tokens/{tokenId}', operationId: 'DeleteTeamToken', tag: 'AccessTokens', summary: 'Revoke a team token', auth: 'token', ok: { status: 204 }, errors: [403] },

  // ---- organizations and members ----------------------------------------------------------------------------------
  { method: 'get', path: '/api/orgs/{orgName}', operationId: 'GetOrganization', tag: 'Organizations', summary: 'An organization', auth: 'token', ok: { status: 200, schema: 'Organization' } },
  { method: 'patch', path: '/api/orgs/{orgName}', operationId: 'UpdateOrganizationSettings', tag: 'Organizations', summary: "Change the organization's member settings", auth: 'token', body: { schema: 'UpdateOrganizationRequest' }, ok: { status: 200, schema: 'OrganizationMetadata' }, errors: [403] },
  { method: 'get', path: '/api/orgs/{orgName}/metadata', operationId: 'GetOrganizationMetadata', tag: 'Organizations', summary: "The organization's settings and counts", auth: 'token', ok: { status: 200, schema: 'OrganizationMetadata' } },
  {
    method: 'get',
    path: '/api/orgs/{orgName}/members',
    operationId: 'ListOrganizationMembers',
    tag: 'Organizations',
    summary: 'Members',
    auth: 'token',
    query: [continuationToken, { name: 'type', schema: str(undefined, { enum: ['backend', 'frontend'] }), description: 'Both answer the same roster: membership is Stackyard’s own.' }],
    ok: { status: 200, schema: 'ListOrganizationMembersResponse' },
  },
  {
    method: 'post',
    path: '/api/orgs/{orgName}/members/{userLogin}',
    operationId: 'AddOrganizationMember',
    tag: 'Organizations',
    summary: 'Add an existing user',
    description: 'Answers the new member.',
    auth: 'token',
    body: { schema: 'AddOrganizationMemberRequest' },
    ok: { status: 200, schema: 'OrganizationMember' },
    errors: [403, 409],
  },
  { method: 'patch', path: '/api/orgs/{orgName}/members/{userLogin}', operationId: 'UpdateOrganizationMember', tag: 'Organizations', summary: "Change a member's role", auth: 'token', body: { schema: 'UpdateOrganizationMemberRequest' }, ok: { status: 204 }, errors: [403, 409] },
  { method: 'delete', path: '/api/orgs/{orgName}/members/{userLogin}', operationId: 'DeleteOrganizationMember', tag: 'Organizations', summary: 'Remove a member', auth: 'token', ok: { status: 204 }, errors: [403, 409] },

  // ---- teams -------------------------------------------------------------------------------------------------------
  { method: 'get', path: '/api/orgs/{orgName}/teams', operationId: 'ListTeams', tag: 'Teams', summary: 'Teams', auth: 'token', ok: { status: 200, schema: 'ListTeamsResponse' } },
  { method: 'post', path: '/api/orgs/{orgName}/teams/pulumi', operationId: 'CreatePulumiTeam', tag: 'Teams', summary: 'Create a team', auth: 'token', body: { schema: 'CreatePulumiTeamRequest' }, ok: { status: 200, schema: 'Team' }, errors: [403, 409] },
  {
    method: 'post',
    path: '/api/orgs/{orgName}/teams/github',
    operationId: 'CreateGitHubTeam',
    tag: 'Teams',
    summary: 'Import a GitHub team — always refused (400): Stackyard has no GitHub teams',
    auth: 'token',
    body: { schema: 'CreateGitHubTeamRequest' },
    ok: { status: 200, schema: 'Team', description: 'Never answered.' },
  },
  { method: 'get', path: '/api/orgs/{orgName}/teams/{teamName}', operationId: 'GetTeam', tag: 'Teams', summary: 'A team with its members and stack permissions', auth: 'token', ok: { status: 200, schema: 'Team' } },
  { method: 'patch', path: '/api/orgs/{orgName}/teams/{teamName}', operationId: 'UpdateTeam', tag: 'Teams', summary: 'One change: name/description, a member, or a stack permission', auth: 'token', body: { schema: 'UpdateTeamRequest' }, ok: { status: 204 }, errors: [403, 409] },
  { method: 'delete', path: '/api/orgs/{orgName}/teams/{teamName}', operationId: 'DeleteTeam', tag: 'Teams', summary: 'Delete a team', auth: 'token', ok: { status: 204 }, errors: [403] },
  { method: 'get', path: '/api/orgs/{orgName}/teams/{teamName}/roles', operationId: 'ListTeamRoles', tag: 'Teams', summary: "The team's custom roles", auth: 'token', ok: { status: 200, schema: 'ListRolesResponse' } },
  { method: 'post', path: '/api/orgs/{orgName}/teams/{teamName}/roles/{roleID}', operationId: 'UpdateTeamRoles', tag: 'Teams', summary: 'Give the team a role', auth: 'token', ok: { status: 204 }, errors: [403] },
  { method: 'delete', path: '/api/orgs/{orgName}/teams/{teamName}/roles/{roleID}', operationId: 'DeleteTeamRole', tag: 'Teams', summary: 'Take a role from the team', auth: 'token', ok: { status: 204 }, errors: [403] },

  // ---- custom roles ---------------------------------------------------------------------------------------------------
  {
    method: 'get',
    path: '/api/orgs/{orgName}/roles',
    operationId: 'ListRolesByOrgIDAndUXPurpose',
    tag: 'Roles',
    summary: 'Roles (built-in and custom)',
    auth: 'token',
    query: [{ name: 'uxPurpose', schema: str() }],
    ok: { status: 200, schema: 'ListRolesResponse' },
  },
  { method: 'post', path: '/api/orgs/{orgName}/roles', operationId: 'CreateRole', tag: 'Roles', summary: 'Create a custom role', auth: 'token', body: { schema: 'CreateRoleRequest' }, ok: { status: 200, schema: 'PermissionDescriptorRecord' }, errors: [403, 409] },
  { method: 'get', path: '/api/orgs/{orgName}/roles/scopes', operationId: 'ListAvailableScopes', tag: 'Roles', summary: 'The scope catalogue', auth: 'token', ok: { status: 200, schema: 'RoleScopes' } },
  { method: 'get', path: '/api/orgs/{orgName}/roles/{roleID}', operationId: 'GetRole', tag: 'Roles', summary: 'A role', auth: 'token', ok: { status: 200, schema: 'PermissionDescriptorRecord' } },
  { method: 'patch', path: '/api/orgs/{orgName}/roles/{roleID}', operationId: 'UpdateRole', tag: 'Roles', summary: 'Change a custom role', auth: 'token', body: { schema: 'UpdateRoleRequest' }, ok: { status: 200, schema: 'PermissionDescriptorRecord' }, errors: [403, 409] },
  {
    method: 'delete',
    path: '/api/orgs/{orgName}/roles/{roleID}',
    operationId: 'DeleteRole',
    tag: 'Roles',
    summary: 'Delete a custom role',
    auth: 'token',
    query: [{ name: 'force', schema: { type: 'boolean' }, description: 'Delete even while people, teams or tokens hold it.' }],
    ok: { status: 204 },
    errors: [403, 409],
  },
  { method: 'get', path: '/api/orgs/{orgName}/roles/{roleID}/users', operationId: 'ListUsersWithRole', tag: 'Roles', summary: 'People holding the role', auth: 'token', ok: { status: 200, schema: 'ListUsersWithRoleResponse' } },
  { method: 'get', path: '/api/orgs/{orgName}/roles/{roleID}/teams', operationId: 'ListTeamsWithRole', tag: 'Roles', summary: 'Teams holding the role', auth: 'token', ok: { status: 200, schema: 'ListTeamsWithRoleResponse' } },
  { method: 'get', path: '/api/orgs/{orgName}/roles/{roleID}/tokens', operationId: 'ListOrgTokensWithRole', tag: 'Roles', summary: 'Tokens holding the role', auth: 'token', ok: { status: 200, schema: 'ListTokensWithRoleResponse' } },

  // ---- audit logs ---------------------------------------------------------------------------------------------------------
  { method: 'get', path: '/api/orgs/{orgName}/auditlogs', operationId: 'ListAuditLogEventsHandlerV1', tag: 'AuditLogs', summary: 'Audit events, newest first (v1)', auth: 'token', query: auditLogQuery, ok: { status: 200, schema: 'ResponseAuditLogs' }, errors: [403] },
  { method: 'get', path: '/api/orgs/{orgName}/auditlogs/v2', operationId: 'ListAuditLogEventsHandlerV2', tag: 'AuditLogs', summary: 'Audit events in a time range (v2)', auth: 'token', query: auditLogQuery, ok: { status: 200, schema: 'ResponseAuditLogs' }, errors: [403] },
  {
    method: 'get',
    path: '/api/orgs/{orgName}/auditlogs/export',
    operationId: 'ExportAuditLogEventsHandlerV1',
    tag: 'AuditLogs',
    summary: 'Audit events as a CSV or CEF file (v1)',
    auth: 'token',
    query: [...auditLogQuery, exportFormat],
    ok: { status: 200, schema: str(), contentType: 'text/csv' },
    errors: [403],
  },
  {
    method: 'get',
    path: '/api/orgs/{orgName}/auditlogs/v2/export',
    operationId: 'ExportAuditLogEventsHandlerV2',
    tag: 'AuditLogs',
    summary: 'Audit events as a CSV or CEF file (v2)',
    auth: 'token',
    query: [...auditLogQuery, exportFormat],
    ok: { status: 200, schema: str(), contentType: 'text/csv' },
    errors: [403],
  },

  // ---- OIDC issuers, authorization policies, token exchange -------------------------------------------------------------------
  { method: 'get', path: '/api/orgs/{orgName}/oidc/issuers', operationId: 'List_orgs_oidc_issuers', tag: 'OIDC', summary: 'Trusted OIDC issuers', auth: 'token', ok: { status: 200, schema: 'ListOidcIssuersResponse' }, errors: [403] },
  { method: 'post', path: '/api/orgs/{orgName}/oidc/issuers', operationId: 'RegisterOidcIssuer', tag: 'OIDC', summary: 'Trust an OIDC issuer', auth: 'token', body: { schema: 'OidcIssuerRegistrationRequest' }, ok: { status: 200, schema: 'OidcIssuerRegistrationResponse' }, errors: [403, 409] },
  { method: 'get', path: '/api/orgs/{orgName}/oidc/issuers/{issuerId}', operationId: 'GetOidcIssuer', tag: 'OIDC', summary: 'A trusted issuer', auth: 'token', ok: { status: 200, schema: 'OidcIssuerRegistrationResponse' }, errors: [403] },
  { method: 'patch', path: '/api/orgs/{orgName}/oidc/issuers/{issuerId}', operationId: 'UpdateOidcIssuer', tag: 'OIDC', summary: 'Change a trusted issuer', auth: 'token', body: { schema: 'OidcIssuerUpdateRequest' }, ok: { status: 200, schema: 'OidcIssuerRegistrationResponse' }, errors: [403] },
  { method: 'delete', path: '/api/orgs/{orgName}/oidc/issuers/{issuerId}', operationId: 'DeleteOidcIssuer', tag: 'OIDC', summary: 'Stop trusting an issuer', auth: 'token', ok: { status: 204 }, errors: [403] },
  { method: 'get', path: '/api/orgs/{orgName}/auth/policies/oidcissuers/{issuerId}', operationId: 'GetAuthPolicy', tag: 'OIDC', summary: "An issuer's authorization policy", auth: 'token', ok: { status: 200, schema: 'AuthPolicy' }, errors: [403] },
  { method: 'patch', path: '/api/orgs/{orgName}/auth/policies/{policyId}', operationId: 'UpdateAuthPolicy', tag: 'OIDC', summary: 'Replace an authorization policy', auth: 'token', body: { schema: 'AuthPolicyUpdateRequest' }, ok: { status: 200, schema: 'AuthPolicy' }, errors: [403] },
  {
    method: 'post',
    path: '/api/oauth/token',
    operationId: 'Token',
    tag: 'OIDC',
    summary: 'Exchange an OIDC token for an access token (RFC 8693)',
    description: 'Errors are OAuth’s (`{error, error_description}`, RFC 6749 §5.2), not `{code, message}`.',
    auth: 'public',
    body: { schema: 'TokenExchangeRequest', contentType: 'application/x-www-form-urlencoded' },
    ok: { status: 200, schema: 'TokenExchangeGrantResponse' },
  },

  // ---- SCIM (provisioning from a SAML identity provider) ------------------------------------------------------------------------
  { method: 'post', path: '/api/orgs/{orgName}/scim/token', operationId: 'CreateScimToken', tag: 'SCIM', summary: "Create (rotate) the organization's SCIM token", auth: 'token', ok: { status: 201, schema: 'CreateScimTokenResponse' }, errors: [403], stackyardOnly: true },
  { method: 'get', path: '/api/orgs/{orgName}/scim/token', operationId: 'GetScimToken', tag: 'SCIM', summary: 'Whether a SCIM token is live, and when it was last used', auth: 'token', ok: { status: 200, schema: 'ScimTokenStatus' }, errors: [403], stackyardOnly: true },
  { method: 'delete', path: '/api/orgs/{orgName}/scim/token', operationId: 'DeleteScimToken', tag: 'SCIM', summary: 'Revoke the SCIM token', auth: 'token', ok: { status: 204 }, errors: [403], stackyardOnly: true },
  { method: 'get', path: '/scim/v2/{orgName}/ServiceProviderConfig', operationId: 'ScimServiceProviderConfig', tag: 'SCIM', summary: 'What this SCIM service supports (RFC 7644 §4)', auth: 'scim-bearer', ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'get', path: '/scim/v2/{orgName}/ResourceTypes', operationId: 'ScimResourceTypes', tag: 'SCIM', summary: 'Resource types (RFC 7644 §4)', auth: 'scim-bearer', ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'get', path: '/scim/v2/{orgName}/Schemas', operationId: 'ScimSchemas', tag: 'SCIM', summary: 'Schemas (RFC 7644 §4)', auth: 'scim-bearer', ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  { method: 'post', path: '/scim/v2/{orgName}/.search', operationId: 'ScimSearch', tag: 'SCIM', summary: 'Search every resource type (RFC 7644 §3.4.3)', auth: 'scim-bearer', body: { schema: 'ScimResource', contentType: 'application/scim+json' }, ok: { status: 200, schema: 'ScimResource', contentType: 'application/scim+json' }, stackyardOnly: true },
  ...scimResources('Users'),
  ...scimResources('Groups'),
];
