import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** What a vendor response is checked against: `errors` is empty when it conforms. */
export type ResponseValidator = (body: unknown) => string[];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Ajv for vendor API descriptions: OpenAPI 3.0 and Swagger 2.0 schemas are JSON Schema draft-4/5
 * dialects with extra annotations (`example`, `readOnly`, `x-…`), so unknown keywords are allowed;
 * the formats the vendors use are checked (ajv-formats is not a dependency).
 */
export function newVendorAjv(): Ajv {
  return new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    formats: {
      uri: (value: string) => URL.canParse(value),
      'uri-template': true,
      email: (value: string) => /^[^\s@]+@[^\s@]+$/.test(value),
      'date-time': (value: string) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
      date: (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value),
      int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
      int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
      float: { type: 'number', validate: () => true },
      double: { type: 'number', validate: () => true },
      binary: true,
      byte: true,
      password: true,
    },
  });
}

/**
 * OpenAPI 3.0 spells "or null" as `nullable: true`, which Ajv accepts only next to `type`; where it
 * stands beside `$ref`, `allOf` or `oneOf` it becomes `anyOf: [schema, null]`. `discriminator` is
 * dropped: it only names which `oneOf` branch applies, and `oneOf` is checked anyway.
 */
export function openApi30ToJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openApi30ToJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === 'discriminator') continue;
    out[key] = openApi30ToJsonSchema(value);
  }
  if (out['nullable'] === true && out['type'] === undefined) {
    const { nullable: _nullable, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function validatorOf(validate: ValidateFunction): ResponseValidator {
  return (body) => (validate(body) ? [] : describe(validate.errors));
}

/**
 * Validators for responses of one OpenAPI 3.0 document: `responseValidator('/user', 'get', 200)`
 * checks a body against that operation's `application/json` schema, `$ref`s into the document's
 * components resolved by Ajv.
 */
export class OpenApiDocument {
  private readonly ajv = newVendorAjv();
  private readonly id: string;

  constructor(
    readonly document: { openapi?: string; paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>; components?: Record<string, unknown> },
    id: string,
  ) {
    if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.0')) throw new Error(`${id} is not an OpenAPI 3.0 document`);
    this.id = id;
    this.ajv.addSchema({ components: openApi30ToJsonSchema(document.components ?? {}) }, id);
  }

  /** Throws when the document has no such operation, status or JSON schema (the spec moved). */
  responseValidator(path: string, method: string, status: number): ResponseValidator {
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${this.id} has no operation ${method.toUpperCase()} ${path}`);
    let response = operation.responses?.[String(status)] as Record<string, unknown> | undefined;
    if (response && typeof response['$ref'] === 'string') response = this.resolve(response['$ref']);
    const schema = (response?.['content'] as Record<string, { schema?: unknown }> | undefined)?.['application/json']?.schema;
    if (schema === undefined) throw new Error(`${this.id} describes no application/json body for ${method.toUpperCase()} ${path} ${status}`);
    // Local refs (`#/components/…`) are made to point into the document registered under `id`.
    const rebased = JSON.parse(JSON.stringify(openApi30ToJsonSchema(schema)).replace(/"\$ref":"#\//g, `"$ref":"${this.id}#/`)) as object;
    return validatorOf(this.ajv.compile(rebased));
  }

  private resolve(ref: string): Record<string, unknown> | undefined {
    let node: unknown = this.document;
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node as Record<string, unknown> | undefined;
  }
}

/** A validator for a JSON Schema written here (draft-07), for legs no vendor document describes. */
export function jsonSchemaValidator(schema: object): ResponseValidator {
  return validatorOf(newVendorAjv().compile(schema));
}
