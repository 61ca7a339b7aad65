import { anyObject, arrayOf, bool, int, object, ref, type SchemaObject, str, stringMap } from './json-schema';

/**
 * The shapes of Stackyard's public REST API, named as in Pulumi's OpenAPI document (the
 * pulumi-cloud-sdk `apitype` names, without the `App` prefix where Pulumi uses none) and typed in
 * TypeScript in `@stackyard/shared-contracts` (pulumi.ts, machine-identity.ts, access.ts, audit.ts).
 */

const stackPermission = (description = 'Stack permission level: 0 none, 101 read, 102 write, 103 admin.'): SchemaObject => ({ type: 'integer', enum: [0, 101, 102, 103], description });
const grantedStackPermission: SchemaObject = { type: 'integer', enum: [101, 102, 103], description: '101 read, 102 write, 103 admin.' };
const isoTime = (description: string): SchemaObject => str(description, { format: 'date-time' });

const userInfo = object(
  { name: str('Display name.'), githubLogin: str('Login.'), avatarUrl: str('Avatar URL (may be empty).'), email: str('Email (only on some answers).') },
  ['name', 'githubLogin', 'avatarUrl'],
);

const organizationSettings: Record<string, SchemaObject> = {
  defaultStackPermission: stackPermission('What members on the built-in member role have on every stack.'),
  membersCanCreateStacks: bool(),
  membersCanDeleteStacks: bool(),
  membersCanTransferStacks: bool(),
  membersCanCreateTeams: bool(),
};

const team = object(
  {
    kind: str('Who manages membership.', { enum: ['pulumi', 'scim'] }),
    name: str(),
    displayName: str(),
    description: str(),
    members: arrayOf(ref('TeamMemberInfo')),
    stacks: arrayOf(ref('TeamStackPermission')),
    environments: arrayOf(anyObject(), 'Always empty: Stackyard has no ESC environments.'),
    accounts: arrayOf(anyObject(), 'Always empty: Stackyard has no Insights accounts.'),
    userRole: str("The caller's role in the team.", { enum: ['admin', 'member', 'none'] }),
    roleIds: arrayOf(str()),
  },
  ['kind', 'name', 'displayName', 'description'],
);

const role = object(
  {
    id: str(),
    orgId: str(),
    name: str(),
    description: str(),
    resourceType: str(),
    uxPurpose: str(undefined, { enum: ['role'] }),
    details: { description: 'The permission descriptor tree, as sent or derived from `scopes` and `stackRules`.' },
    defaultIdentifier: str('Set on the built-in roles.', { enum: ['admin', 'member'] }),
    version: int(),
    isOrgDefault: bool(),
    created: isoTime('When the role was created.'),
    modified: isoTime('When the role was last changed.'),
    scopes: arrayOf(str(), 'Stackyard: the scopes the role grants.'),
    stackRules: arrayOf(anyObject(), 'Stackyard: stack permission levels the role grants, by stack target.'),
  },
  ['id', 'name', 'version', 'isOrgDefault', 'created', 'modified'],
);

const oidcIssuer = object(
  {
    id: str(),
    name: str(),
    url: str('The issuer identifier, compared exactly with the `iss` claim.'),
    issuer: str(),
    jwks: ref('JsonWebKeySet'),
    maxExpiration: int('Longest lifetime, in seconds, of a token issued for this issuer.'),
    created: isoTime('Registration time.'),
    modified: isoTime('Last change.'),
    lastUsed: isoTime('Last token exchange.'),
  },
  ['id', 'name', 'url', 'issuer', 'created', 'modified'],
);

const authPolicyDefinition = object(
  {
    decision: str(undefined, { enum: ['allow', 'deny'] }),
    tokenType: str(undefined, { enum: ['personal', 'organization', 'team'] }),
    teamName: str(),
    userLogin: str(),
    authorizedPermissions: arrayOf(str()),
    rules: stringMap('Claim (dotted path for nested claims) → value; `*` matches any run of characters.'),
  },
  ['decision', 'tokenType', 'authorizedPermissions', 'rules'],
);

const configValue = object({ string: str(), secret: bool(), object: bool() }, ['string', 'secret', 'object']);

const updateInfo = object(
  {
    kind: str(undefined, { enum: ['update', 'preview', 'refresh', 'rename', 'destroy', 'import', 'resource-import'] }),
    startTime: int('Unix seconds.'),
    endTime: int('Unix seconds.'),
    message: str(),
    environment: stringMap(),
    config: { type: 'object', additionalProperties: ref('ConfigValue') },
    result: str(undefined, { enum: ['not-started', 'in-progress', 'succeeded', 'failed'] }),
    version: int(),
    resourceChanges: { type: 'object', additionalProperties: { type: 'integer' } },
    resourceCount: int(),
  },
  ['kind', 'startTime', 'message', 'environment', 'config', 'result', 'version'],
);

export const PULUMI_SPEC_SCHEMAS: Record<string, SchemaObject> = {
  ErrorResponse: object({ code: { type: 'integer', description: 'The HTTP status.' }, message: str('What went wrong, for people.') }, ['code', 'message']),
  EmptyObject: object({}, [], { description: 'An empty JSON object, `{}`.' }),

  // ---- discovery, user --------------------------------------------------------------------------
  Capability: object({ capability: str(), version: { type: 'integer' }, configuration: anyObject() }, ['capability']),
  CapabilitiesResponse: object({ capabilities: arrayOf(ref('Capability')) }, ['capabilities']),
  OrganizationSummary: object({ name: str(), githubLogin: str(), avatarUrl: str(), email: str(), role: str('The caller’s role in the organization.', { enum: ['admin', 'member'] }) }, ['name', 'githubLogin', 'avatarUrl']),
  User: object(
    {
      id: str(),
      githubLogin: str(),
      name: str(),
      email: str(),
      avatarUrl: str(),
      organizations: arrayOf(ref('OrganizationSummary')),
      identities: arrayOf(str()),
      siteAdmin: bool(),
      tokenInfo: object({ name: str(), organization: str(), team: str() }, ['name'], { description: 'Set when the call was made with an organization or team token.' }),
    },
    ['id', 'githubLogin', 'name', 'email', 'avatarUrl', 'organizations', 'identities'],
  ),
  GetDefaultOrganizationResponse: object(
    { GitHubLogin: str('The default organization (the Go type has no JSON tags, hence the capitals).'), Messages: arrayOf(object({ severity: str(), message: str() })) },
    ['GitHubLogin', 'Messages'],
  ),

  // ---- stacks ------------------------------------------------------------------------------------
  StackSummary: object(
    { id: str(), orgName: str(), projectName: str(), stackName: str(), lastUpdate: int('Unix seconds.'), resourceCount: { type: 'integer' }, tags: stringMap('The stack’s tags (Stackyard adds them).') },
    ['orgName', 'projectName', 'stackName'],
  ),
  ListStacksResponse: object({ stacks: arrayOf(ref('StackSummary')), continuationToken: str() }, ['stacks']),
  CreateStackRequest: object({ stackName: str(), tags: stringMap(), teams: arrayOf(str()), config: anyObject() }, ['stackName']),
  CreateStackResponse: object({ messages: arrayOf(anyObject()) }),
  Stack: object(
    {
      id: str(),
      orgName: str(),
      projectName: str(),
      stackName: str(),
      currentOperation: object({ kind: str(), author: str(), started: int() }, ['kind', 'author', 'started']),
      activeUpdate: str(),
      tags: stringMap(),
      version: int(),
    },
    ['orgName', 'projectName', 'stackName', 'activeUpdate', 'tags', 'version'],
  ),
  StackRenameRequest: object({ newName: str(), newProject: str() }),
  TransferStackRequest: object({ toOrg: str('The organization to move the stack to.') }, ['toOrg']),
  StackTag: object({ name: str(), value: str() }, ['name', 'value']),
  StackTags: stringMap('Every tag of the stack (replaces them all).'),
  UntypedDeployment: object({ version: { type: 'integer' }, features: arrayOf(str()), deployment: anyObject() }, ['version', 'deployment']),
  ImportStackResponse: object({ updateId: str() }, ['updateId']),
  ConfigValue: configValue,
  UpdateInfo: updateInfo,
  GetStackUpdatesResponse: object({ updates: arrayOf(ref('UpdateInfo')) }, ['updates']),
  GetLatestStackUpdateResponse: object({ info: ref('UpdateInfo') }, ['info']),

  // ---- updates (the CLI's protocol) ---------------------------------------------------------------
  UpdateProgramRequest: object({
    name: str(),
    runtime: str(),
    main: str(),
    description: str(),
    options: anyObject(),
    config: { type: 'object', additionalProperties: ref('ConfigValue') },
    metadata: object({ message: str(), environment: stringMap() }),
  }),
  UpdateProgramResponse: object({ updateID: str(), requiredPolicies: arrayOf(anyObject()), messages: arrayOf(anyObject()) }, ['updateID']),
  StartUpdateRequest: object({ tags: stringMap(), journalVersion: { type: 'integer' } }),
  StartUpdateResponse: object({ version: int(), token: str('The update (lease) token.'), tokenExpiration: int('Unix seconds.'), journalVersion: { type: 'integer' } }, ['version', 'token', 'tokenExpiration']),
  UpdateResults: object(
    {
      status: str(undefined, { enum: ['not started', 'requested', 'running', 'failed', 'succeeded', 'cancelled'] }),
      events: arrayOf(object({ index: str(), kind: str(undefined, { enum: ['stdout', 'stderr'] }), fields: object({ text: str() }) })),
      continuationToken: str(undefined, { nullable: true }),
    },
    ['status', 'events'],
  ),
  EngineEvent: object({ sequence: { type: 'integer' }, timestamp: int() }, ['sequence', 'timestamp'], { additionalProperties: true }),
  GetUpdateEventsResponse: object({ events: arrayOf(ref('EngineEvent')), continuationToken: str(undefined, { nullable: true }) }, ['events']),
  RenewUpdateLeaseRequest: object({ duration: { type: 'integer', minimum: 1, maximum: 86400, description: 'Seconds.' } }),
  RenewUpdateLeaseResponse: object({ token: str(), tokenExpiration: int('Unix seconds.') }, ['token', 'tokenExpiration']),
  PatchUpdateCheckpointRequest: object({ isInvalid: bool(), version: { type: 'integer' }, features: arrayOf(str()), deployment: anyObject() }, ['version']),
  PatchUpdateVerbatimCheckpointRequest: object({ version: { type: 'integer' }, untypedDeployment: anyObject(), sequenceNumber: { type: 'integer' } }, ['version', 'untypedDeployment', 'sequenceNumber']),
  PatchUpdateCheckpointDeltaRequest: object(
    { version: { type: 'integer' }, checkpointHash: str(), sequenceNumber: { type: 'integer' }, deploymentDelta: { description: 'Byte edits to the previous checkpoint text.' } },
    ['version', 'checkpointHash', 'sequenceNumber', 'deploymentDelta'],
  ),
  JournalEntries: object({ entries: arrayOf(anyObject()) }, ['entries']),
  EngineEventBatch: object({ events: arrayOf(ref('EngineEvent')) }, ['events']),
  CompleteUpdateRequest: object({ status: str(undefined, { enum: ['succeeded', 'failed', 'cancelled'] }), result: anyObject() }, ['status']),

  // ---- secrets -------------------------------------------------------------------------------------
  EncryptValueRequest: object({ plaintext: str('Base64.', { format: 'byte' }) }, ['plaintext']),
  EncryptValueResponse: object({ ciphertext: str('Base64.', { format: 'byte' }) }, ['ciphertext']),
  DecryptValueRequest: object({ ciphertext: str('Base64.', { format: 'byte' }) }, ['ciphertext']),
  DecryptValueResponse: object({ plaintext: str('Base64.', { format: 'byte' }) }, ['plaintext']),
  BatchEncryptRequest: object({ plaintexts: arrayOf(str(undefined, { format: 'byte' })) }, ['plaintexts']),
  BatchEncryptResponse: object({ ciphertexts: arrayOf(str(undefined, { format: 'byte' })) }, ['ciphertexts']),
  BatchDecryptRequest: object({ ciphertexts: arrayOf(str(undefined, { format: 'byte' })) }, ['ciphertexts']),
  BatchDecryptResponse: object({ plaintexts: stringMap('Ciphertext → plaintext, both base64.') }, ['plaintexts']),
  Log3rdPartyDecryptionEvent: object({ secretName: str(), commandName: str() }),

  // ---- access tokens -------------------------------------------------------------------------------
  AccessToken: object(
    {
      id: str(),
      name: str(),
      description: str(),
      created: str('ISO 8601.'),
      lastUsed: int('Unix seconds; 0 when never used.'),
      expires: int('Unix seconds; 0 when it does not expire.'),
      admin: bool(),
      createdBy: str('Login of the creator; null for tokens issued by the OIDC token exchange.', { nullable: true }),
      type: str(undefined, { enum: ['personal', 'organization', 'team'] }),
    },
    ['id', 'name', 'description', 'created', 'lastUsed', 'expires', 'admin', 'createdBy'],
  ),
  ListAccessTokensResponse: object({ tokens: arrayOf(ref('AccessToken')), continuationToken: str() }, ['tokens']),
  CreatePersonalAccessTokenRequest: object({ description: str(), expires: int('Unix seconds; 0 = never.') }),
  CreateOrgAccessTokenRequest: object({ name: str(undefined, { minLength: 1, maxLength: 40 }), description: str(), expires: int('Unix seconds; 0 = never.'), admin: bool(), roleID: str('Custom roles on tokens are not supported: a non-empty value is refused.') }, ['name']),
  CreateTeamAccessTokenRequest: object({ name: str(undefined, { minLength: 1, maxLength: 40 }), description: str(), expires: int('Unix seconds; 0 = never.') }, ['name']),
  CreateAccessTokenResponse: object({ id: str(), tokenValue: str('Shown in this answer only.') }, ['id', 'tokenValue']),

  // ---- OIDC issuers and policies, token exchange ---------------------------------------------------
  JsonWebKeySet: object({ keys: arrayOf(anyObject()) }, ['keys']),
  OidcIssuerRegistrationRequest: object({ name: str(), url: str(), thumbprints: arrayOf(str()), maxExpiration: int(), jwks: ref('JsonWebKeySet') }, ['name', 'url']),
  OidcIssuerUpdateRequest: object({ name: str(), thumbprints: arrayOf(str()), maxExpiration: int(undefined, { nullable: true }), jwks: { allOf: [ref('JsonWebKeySet')], nullable: true } }),
  OidcIssuerRegistrationResponse: oidcIssuer,
  ListOidcIssuersResponse: object({ oidcIssuers: arrayOf(ref('OidcIssuerRegistrationResponse')) }, ['oidcIssuers']),
  AuthPolicyDefinition: authPolicyDefinition,
  AuthPolicy: object({ id: str(), version: { type: 'integer' }, created: str(), modified: str(), policies: arrayOf(ref('AuthPolicyDefinition')) }, ['id', 'version', 'policies']),
  AuthPolicyUpdateRequest: object({ policies: arrayOf(ref('AuthPolicyDefinition')) }, ['policies']),
  TokenExchangeRequest: object(
    {
      grant_type: str(undefined, { enum: ['urn:ietf:params:oauth:grant-type:token-exchange'] }),
      audience: str('`urn:pulumi:org:<organization>`.'),
      subject_token: str('The issuer-signed JWT.'),
      subject_token_type: str(undefined, { enum: ['urn:ietf:params:oauth:token-type:id_token', 'urn:ietf:params:oauth:token-type:jwt'] }),
      requested_token_type: str(undefined, { enum: ['urn:pulumi:token-type:access_token:personal', 'urn:pulumi:token-type:access_token:organization', 'urn:pulumi:token-type:access_token:team'] }),
      scope: str('e.g. `team:<name>`, `user:<login>`, `admin`.'),
      expiration: str('Requested lifetime in seconds.'),
    },
    ['grant_type', 'audience', 'subject_token', 'subject_token_type', 'requested_token_type'],
  ),
  TokenExchangeGrantResponse: object({ access_token: str(), issued_token_type: str(), token_type: str(), expires_in: { type: 'integer' }, scope: str() }, ['access_token', 'issued_token_type', 'token_type', 'expires_in']),
  OAuthErrorResponse: object({ error: str(undefined, { enum: ['invalid_request', 'invalid_scope', 'invalid_target', 'unsupported_grant_type', 'temporarily_unavailable'] }), error_description: str() }, ['error', 'error_description']),

  // ---- organizations, members ------------------------------------------------------------------------
  OrganizationMetadata: object({ ...organizationSettings, memberCount: { type: 'integer' }, defaultRoleId: str() }, ['defaultStackPermission', 'membersCanCreateStacks', 'memberCount']),
  Organization: object({ name: str(), githubLogin: str(), avatarUrl: str(), backingIdentityProvider: str(undefined, { enum: ['pulumi'] }), metadata: ref('OrganizationMetadata') }, ['name', 'githubLogin', 'avatarUrl', 'metadata']),
  UpdateOrganizationRequest: object({
    setDefaultStackPermission: stackPermission(),
    setMembersCanCreateStacks: bool(),
    setMembersCanDeleteStacks: bool(),
    setMembersCanTransferStacks: bool(),
    setMembersCanCreateTeams: bool(),
  }),
  UserInfo: userInfo,
  FGARole: object({ id: str(), name: str(), modifiedAt: isoTime('Last change of the role.') }, ['id', 'name', 'modifiedAt']),
  OrganizationMember: object(
    { role: str(undefined, { enum: ['admin', 'member'] }), user: ref('UserInfo'), created: isoTime('When the member joined.'), knownToPulumi: bool(), virtualAdmin: bool(), fgaRole: ref('FGARole') },
    ['role', 'user', 'created', 'knownToPulumi', 'virtualAdmin', 'fgaRole'],
  ),
  ListOrganizationMembersResponse: object({ members: arrayOf(ref('OrganizationMember')), continuationToken: str() }, ['members']),
  AddOrganizationMemberRequest: object({ role: str(undefined, { enum: ['admin', 'member'] }) }, ['role']),
  UpdateOrganizationMemberRequest: object({ role: str(undefined, { enum: ['admin', 'member'] }), fgaRoleId: str('A role id (custom, or built-in as `GET …/roles` lists them); wins over `role`.') }),

  // ---- teams ------------------------------------------------------------------------------------------
  TeamMemberInfo: { allOf: [ref('UserInfo'), object({ role: str(undefined, { enum: ['admin', 'member'] }) }, ['role'])] },
  TeamStackPermission: object({ projectName: str(), stackName: str(), permission: grantedStackPermission }, ['projectName', 'stackName', 'permission']),
  Team: team,
  ListTeamsResponse: object({ teams: arrayOf(ref('Team')) }, ['teams']),
  CreatePulumiTeamRequest: object({ name: str(), displayName: str(), description: str() }, ['name']),
  CreateGitHubTeamRequest: object({ githubTeamId: { type: 'integer' } }),
  UpdateTeamRequest: object(
    {
      newDisplayName: str(),
      newDescription: str(),
      memberAction: str(undefined, { enum: ['add', 'remove', 'promote', 'demote'] }),
      member: str('Login the member action applies to.'),
      addStackPermission: ref('TeamStackPermission'),
      editStackPermission: ref('TeamStackPermission'),
      removeStack: object({ projectName: str(), stackName: str() }, ['projectName', 'stackName']),
    },
    [],
    { description: 'One change per call.' },
  ),
  UpdateTeamStackPermissionsRequest: object({ permissions: stackPermission('The team’s level on the stack; 0 removes the grant.') }, ['permissions']),
  ListTeamsByStackResponse: object(
    {
      projectName: str(),
      teams: arrayOf(object({ name: str(), displayName: str(), description: str(), permission: grantedStackPermission, isMember: bool('Whether the caller is a member of the team.') }, ['name', 'permission'])),
    },
    ['teams'],
  ),
  StackCollaboratorsResponse: object(
    { users: arrayOf(object({ user: ref('UserInfo'), permission: grantedStackPermission }, ['user', 'permission'])), stackCreatorUserName: str(undefined, { nullable: true }) },
    ['users'],
  ),
  AddStackCollaboratorRequest: object({ name: str('Login.'), permission: stackPermission() }, ['name', 'permission']),
  UpdateStackCollaboratorRequest: object({ permission: stackPermission() }, ['permission']),
  StackAccessExplanation: object(
    {
      organization: str(),
      projectName: str(),
      stackName: str(),
      user: str(),
      permission: stackPermission('The effective level.'),
      scopes: arrayOf(str()),
      reasons: arrayOf(anyObject(), 'Every source that contributed (organization role, default, grant, custom role, creator).'),
      actions: arrayOf(object({ action: str(), allowed: bool(), status: { type: 'integer', enum: [403, 404] }, reason: str() }, ['action', 'allowed'])),
    },
    ['organization', 'projectName', 'stackName', 'user', 'permission', 'scopes', 'reasons', 'actions'],
  ),

  // ---- roles ------------------------------------------------------------------------------------------
  PermissionDescriptorRecord: role,
  ListRolesResponse: object({ roles: arrayOf(ref('PermissionDescriptorRecord')) }, ['roles']),
  CreateRoleRequest: object({ name: str(), description: str(), resourceType: str(), uxPurpose: str(), details: { description: 'The permission descriptor tree.' } }, ['name', 'details']),
  UpdateRoleRequest: object({ name: str(), description: str(), details: { description: 'The permission descriptor tree.' } }),
  RoleScopes: {
    type: 'object',
    description: 'Scopes grouped by what they act on.',
    additionalProperties: arrayOf(object({ name: str(), scopes: arrayOf(object({ name: str(), metadata: object({ description: str() }) }, ['name'])) }, ['name', 'scopes'])),
  },
  ListUsersWithRoleResponse: object({ users: arrayOf(ref('UserInfo')) }),
  ListTeamsWithRoleResponse: object({ teams: arrayOf(ref('Team')) }),
  ListTokensWithRoleResponse: object({ tokens: arrayOf(object({ id: str(), name: str(), description: str() }, ['id', 'name'])) }),

  // ---- audit logs -------------------------------------------------------------------------------------
  AuditLogEvent: object(
    {
      timestamp: int('Unix seconds.'),
      sourceIP: str(),
      event: str(),
      description: str(),
      user: ref('UserInfo'),
      tokenID: str(),
      tokenName: str(),
      reqOrgAdmin: bool(),
      reqStackAdmin: bool(),
      authFailure: bool(),
      actorName: str(),
      actorUrn: str(),
    },
    ['timestamp', 'sourceIP', 'event', 'description', 'user'],
  ),
  ResponseAuditLogs: object({ auditLogEvents: arrayOf(ref('AuditLogEvent')), continuationToken: str() }, ['auditLogEvents']),

  // ---- SCIM provisioning token -----------------------------------------------------------------------
  CreateScimTokenResponse: object(
    { organization: str(), id: str(), token: str('Shown in this answer only.'), createdAt: int('Unix milliseconds.'), scimBaseUrl: str('The tenant URL for the identity provider.') },
    ['organization', 'id', 'token', 'createdAt', 'scimBaseUrl'],
  ),
  ScimTokenStatus: object(
    {
      organization: str(),
      samlEnabled: bool('SCIM works only for organizations that sign in with SAML.'),
      token: object({ id: str(), createdAt: int(), createdBy: str(), lastUsedAt: int(undefined, { nullable: true }) }, ['id', 'createdAt', 'createdBy'], { nullable: true }),
    },
    ['organization', 'samlEnabled', 'token'],
  ),
  ScimResource: anyObject('A SCIM resource, ListResponse or SearchRequest (RFC 7643, RFC 7644).'),
  ScimError: object({ schemas: arrayOf(str()), status: str(), scimType: str(), detail: str() }, ['schemas', 'status']),
};
