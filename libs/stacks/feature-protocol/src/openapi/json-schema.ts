/** An OpenAPI 3.0 Schema Object, kept as plain data (it is served as JSON). */
export type SchemaObject = { [keyword: string]: unknown };

/** A reference to a schema under `#/components/schemas`. */
export const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });

export const arrayOf = (items: SchemaObject, description?: string): SchemaObject => ({ type: 'array', items, ...(description ? { description } : {}) });

/**
 * An object schema. Properties named in `required` must be present; others may be left out. Extra
 * properties are allowed unless `closed` (Pulumi's answers grow fields; clients ignore the rest).
 */
export function object(properties: Record<string, SchemaObject>, required: string[] = [], extra: SchemaObject = {}): SchemaObject {
  return { type: 'object', properties, ...(required.length ? { required } : {}), ...extra };
}

export const str = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...(description ? { description } : {}), ...extra });
export const int = (description?: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', format: 'int64', ...(description ? { description } : {}), ...extra });
export const bool = (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) });
export const stringMap = (description?: string): SchemaObject => ({ type: 'object', additionalProperties: { type: 'string' }, ...(description ? { description } : {}) });
export const anyObject = (description?: string): SchemaObject => ({ type: 'object', additionalProperties: true, ...(description ? { description } : {}) });
