import type { SchemaObject } from './json-schema';
import { type ApiOperation, type BodySchema, type OperationAuth, PULUMI_SPEC_OPERATIONS } from './pulumi-spec.operations';
import { PULUMI_SPEC_SCHEMAS } from './pulumi-spec.schemas';

/** Version of this description of the API; raise it when an operation or shape changes. */
export const PULUMI_SPEC_VERSION = '1.0.0';

/** The security requirement each kind of authentication stands for. */
const SECURITY: Record<OperationAuth, Array<Record<string, string[]>>> = {
  token: [{ PulumiAccessToken: [] }],
  'update-token': [{ UpdateToken: [] }],
  'token-or-update-token': [{ PulumiAccessToken: [] }, { UpdateToken: [] }],
  public: [],
  'scim-bearer': [{ ScimBearerToken: [] }],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or invalid.',
  401: 'No valid credentials.',
  403: 'Authenticated, but not allowed.',
  404: 'No such resource, or the caller may not see it.',
  409: 'Conflicts with the current state (e.g. an update is running, the name is taken).',
  413: 'The body is larger than this server accepts.',
};

function schemaOf(body: BodySchema): SchemaObject {
  return typeof body === 'string' ? { $ref: `#/components/schemas/${body}` } : body;
}

/** `{orgName}` … in the order they appear in the path. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

function errorStatuses(operation: ApiOperation): number[] {
  const statuses = new Set<number>([400, ...(operation.errors ?? [])]);
  if (operation.auth !== 'public') {
    statuses.add(401);
    statuses.add(404);
  }
  return [...statuses].sort((a, b) => a - b);
}

function operationObject(operation: ApiOperation): SchemaObject {
  const parameters = [
    ...pathParameterNames(operation.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(operation.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, schema: q.schema, ...(q.description ? { description: q.description } : {}) })),
  ];
  const responses: Record<string, SchemaObject> = {};
  const ok = operation.ok;
  responses[String(ok.status)] = {
    description: ok.description ?? (ok.schema ? 'Success.' : 'Success, no body.'),
    ...(ok.schema ? { content: { [ok.contentType ?? 'application/json']: { schema: schemaOf(ok.schema) } } } : {}),
  };
  // SCIM answers errors in SCIM's shape and the token exchange in OAuth's; everything else in `{code, message}`.
  const errorRef = operation.auth === 'scim-bearer' ? 'ScimErrorResponse' : operation.operationId === 'Token' ? 'OAuthError' : 'Error';
  for (const status of errorStatuses(operation)) responses[String(status)] = { $ref: `#/components/responses/${errorRef}${status}` };
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: operation.body.required ?? true,
            ...(operation.body.description ? { description: operation.body.description } : {}),
            content: { [operation.body.contentType ?? 'application/json']: { schema: schemaOf(operation.body.schema) } },
          },
        }
      : {}),
    responses,
    security: SECURITY[operation.auth],
    ...(operation.stackyardOnly ? { 'x-stackyard-only': true } : {}),
  };
}

function errorResponses(): Record<string, SchemaObject> {
  const responses: Record<string, SchemaObject> = {};
  for (const [status, description] of Object.entries(ERROR_DESCRIPTIONS)) {
    responses[`Error${status}`] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
    responses[`ScimErrorResponse${status}`] = { description, content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/ScimError' } } } };
    responses[`OAuthError${status}`] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthErrorResponse' } } } };
  }
  return responses;
}

/**
 * The OpenAPI 3.0 document of the api (`GET /api/openapi/pulumi-spec.json`, where Pulumi Cloud
 * serves its own): built from the operation table and the shapes, so both stay plain data.
 */
export function buildPulumiSpec(operations: ApiOperation[] = PULUMI_SPEC_OPERATIONS): SchemaObject {
  const paths: Record<string, Record<string, SchemaObject>> = {};
  for (const operation of operations) {
    const item = (paths[operation.path] ??= {});
    if (item[operation.method]) throw new Error(`duplicate operation ${operation.method.toUpperCase()} ${operation.path}`);
    item[operation.method] = operationObject(operation);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Stackyard API',
      version: PULUMI_SPEC_VERSION,
      description:
        'The REST API of Stackyard, a self-hosted service the Pulumi CLI logs into: the CLI protocol and the management surface, with Pulumi Cloud’s paths and operationIds. Operations marked `x-stackyard-only` are Stackyard’s own. Errors are `{code, message}` unless an operation says otherwise.',
      license: { name: 'See the Stackyard repository' },
    },
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: PULUMI_SPEC_SCHEMAS,
      responses: errorResponses(),
      securitySchemes: {
        PulumiAccessToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'An access token: `Authorization: token pul-…`.' },
        UpdateToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The lease token of the running update: `Authorization: update-token …`.' },
        ScimBearerToken: { type: 'http', scheme: 'bearer', description: "The organization's SCIM token (`POST /api/orgs/{orgName}/scim/token`)." },
      },
    },
  };
}
